// Profiling driver for scripts/bench.ts: times validate() vs run() on the N-pair spec, several rounds.
//   node --import tsx --cpu-prof --cpu-prof-dir bench/prof bench/profile.ts [N] [rounds]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pairsSpec } from "./specs.js";
import { run, validate } from "../dist/index.js";
import { startDemoServer } from "../fixtures/demo-server.js";

const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 5);
const mode = process.argv[4] ?? "both"; // both | run | got
const dir = mkdtempSync(join(tmpdir(), "authspec-prof-"));
const file = join(dir, "p.yaml");
writeFileSync(file, pairsSpec(n));
const server = await startDemoServer();
const env = { API_URL: server.url, API_PASSWORD: "wonderland" };
import http from "node:http";
import got from "got";
const agent = new http.Agent({ keepAlive: true });
const client = got.extend({ prefixUrl: server.url, agent: { http: agent }, retry: { limit: 0 }, throwHttpErrors: false, responseType: "json" });
for (let r = 0; r < rounds && mode === "got"; r++) {
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const login = await client.post("auth", { json: { username: "alice", password: "wonderland" } });
    const token = (login.body as { token: string }).token;
    const me = await client.get("me", { headers: { authorization: `Bearer ${token}` } });
    if (login.statusCode !== 200 || me.statusCode !== 200 || typeof token !== "string" || (me.body as any).user.name !== "alice") throw new Error("got");
  }
  console.log(`round ${r}: got ${(performance.now() - t).toFixed(0)} ms`);
}
agent.destroy();
for (let r = 0; r < rounds && mode !== "got"; r++) {
  let t = performance.now();
  const v = mode === "both" ? await validate([file]) : { ok: "skipped" };
  const tv = performance.now() - t;
  t = performance.now();
  const res = await run([file], { env, reporters: [] });
  const tr = performance.now() - t;
  const stepsMs = res.specs[0]!.durationMs;
  console.log(`round ${r}: validate ${tv.toFixed(0)} ms (ok ${v.ok}); run ${tr.toFixed(0)} ms (ok ${res.ok}), of which runSpec ${stepsMs.toFixed(0)} ms`);
}
await server.close();
rmSync(dir, { recursive: true, force: true });
