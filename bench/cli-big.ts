// Time the CLI (console reporter, and --verbose) on the N-pair spec against a demo server in a child process.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pairsSpec } from "./specs.js";
const n = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), "authspec-cli-"));
const file = join(dir, "p.yaml");
writeFileSync(file, pairsSpec(n));
const srv = spawn(process.execPath, ["--import", "tsx", "fixtures/demo-server.ts"], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
const url = await new Promise<string>((res) => srv.stdout.on("data", (d: Buffer) => { const m = /(http:\S+)/.exec(String(d)); if (m) res(m[1]!); }));
for (const extra of [[], ["--verbose"]]) {
  const t = performance.now();
  const child = spawn(process.execPath, ["dist/cli.js", "run", file, "--no-color", ...extra], { env: { ...process.env, API_URL: url, API_PASSWORD: "wonderland" }, stdio: ["ignore", "pipe", "inherit"] });
  let bytes = 0;
  child.stdout.on("data", (d: Buffer) => (bytes += d.length));
  const code = await new Promise((res) => child.on("exit", res));
  console.log(`cli run ${extra.join(" ") || "(console)"}: ${(performance.now() - t).toFixed(0)} ms, exit ${code}, ${bytes} bytes out`);
}
srv.kill();
rmSync(dir, { recursive: true, force: true });
