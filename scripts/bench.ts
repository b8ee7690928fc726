// `npm run bench`: measure authspec (the built library in dist/) against a plain got loop, and the CLI's
// start-up time. A measurement, not a test: exits 0 when an aim is missed, 1 only when a run is not ok.
//   npm run bench -- --n 500      (or BENCH_N=500) pairs of login + /me per measurement (default 1000)
//   BENCH_WARMUP=200              pairs of the warm-up run of each path (default 1000: JIT and connections warm, so the rounds measure steady-state overhead)
// The demo server runs in a process of its own, and each path runs in fresh processes of its own
// (alternately, PROCESSES times each): in one process the two paths would share got's JIT state, and
// whichever shape of options got saw first would slow the other down.
import http from "node:http";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import got from "got";
import { pairsSpec } from "../bench/specs.js";
import { SUITE_FILES, SUITE_REQUESTS, timeSuite, writeSuite } from "../bench/suite.js";

// The built library (npm run bench builds first). Typed from the sources, so type-checking does not need dist/.
const DIST = "../dist/index.js";
const { run } = (await import(DIST)) as typeof import("../src/index.js");

const root = fileURLToPath(new URL("..", import.meta.url));
const PASSWORD = "wonderland";
const ROUNDS = 3; // per process
const PROCESSES = 2; // per path
const WARMUP_RUNS = 2; // V8 needs about two runs of 1000 pairs before got and authspec reach their optimized code
const STARTUP_RUNS = 10;
const THROUGHPUT_AIM = 1.25;
const STARTUP_AIM_MS = 300;
const SUITE_LATENCY_MS = 5;

class BenchFailure extends Error {}

function positiveInt(what: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new BenchFailure(`${what} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

function parseN(): number {
  const argv = process.argv.slice(2);
  const i = argv.indexOf("--n");
  return positiveInt("--n / BENCH_N", i >= 0 ? argv[i + 1] : process.env.BENCH_N, 1000);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number): string => `${x.toFixed(1)} ms`;

// ---- spec files ----------------------------------------------------------------------------------

const HEALTH_SPEC = `name: bench health
baseUrl: \${{ env.API_URL }}
steps:
  - name: health
    request:
      url: /health
    expect:
      status: 200
`;

// ---- the two paths ------------------------------------------------------------------------------

/** Wall time of run(), and the part spent executing steps (the rest is loading + validating the spec). */
async function viaAuthspec(file: string, apiUrl: string, n: number): Promise<{ total: number; steps: number }> {
  const t0 = performance.now();
  const result = await run([file], { env: { API_URL: apiUrl, API_PASSWORD: PASSWORD }, reporters: [] });
  const elapsed = performance.now() - t0;
  if (!result.ok || result.summary.steps.passed !== 2 * n) {
    const firstFailure = result.specs.flatMap((s) => s.steps).find((s) => s.status === "failed");
    const why =
      result.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`).join("; ") ||
      (firstFailure ? `step "${firstFailure.name}": ${firstFailure.failures.map((f) => f.message).join("; ")}` : "");
    throw new BenchFailure(
      `authspec run not ok (exit ${result.exitCode}, ${result.summary.steps.passed}/${2 * n} steps passed)${why ? `: ${why}` : ""}`,
    );
  }
  return { total: elapsed, steps: result.specs.reduce((sum, s) => sum + s.durationMs, 0) };
}

function makeGot(apiUrl: string, agent: http.Agent) {
  return got.extend({
    prefixUrl: apiUrl,
    agent: { http: agent },
    retry: { limit: 0 },
    throwHttpErrors: false,
    responseType: "json",
  });
}

async function viaGot(client: ReturnType<typeof makeGot>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const login = await client.post("auth", { json: { username: "alice", password: PASSWORD } });
    const lb = login.body as { token?: unknown };
    if (login.statusCode !== 200 || typeof lb.token !== "string") throw new BenchFailure(`got login ${i}: status ${login.statusCode}`);
    const me = await client.get("me", { headers: { authorization: `Bearer ${lb.token}` } });
    const mb = me.body as { user?: { name?: unknown } };
    if (me.statusCode !== 200 || mb.user?.name !== "alice") throw new BenchFailure(`got me ${i}: status ${me.statusCode}`);
  }
  return performance.now() - t0;
}

// ---- start-up ------------------------------------------------------------------------------------

/** spawnSync blocks this process's event loop, so the CLI runs need a server in another process. */
async function startServerProcess(latencyMs = 0): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "fixtures/demo-server.ts"], {
    cwd: root,
    env: { ...process.env, PORT: "0", LATENCY_MS: String(latencyMs) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new BenchFailure("demo server process did not start within 15 s")), 15_000);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new BenchFailure(`demo server process exited (${code}) before listening`));
    });
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { url, stop };
}

interface Timing {
  median: number;
  min: number;
}

function timeCommand(label: string, args: string[], env: NodeJS.ProcessEnv): Timing {
  const once = (): number => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: root, env, encoding: "utf8", timeout: 30_000 });
    const elapsed = performance.now() - t0;
    if (r.error || r.status !== 0) {
      throw new BenchFailure(`${label} failed (exit ${r.status ?? r.signal}): ${r.error?.message ?? ""}${r.stdout}${r.stderr}`.trim());
    }
    return elapsed;
  };
  once(); // warm-up (file-system cache, compile cache)
  const times = Array.from({ length: STARTUP_RUNS }, once);
  return { median: median(times), min: Math.min(...times) };
}

// ---- main ----------------------------------------------------------------------------------------

interface ChildResult {
  totals: number[];
  steps: number[];
}

/** One measuring process: warm up, then ROUNDS timed rounds of one path; prints its timings as JSON. */
async function child(kind: "authspec" | "got", apiUrl: string, n: number, warmupN: number): Promise<void> {
  const out: ChildResult = { totals: [], steps: [] };
  if (kind === "got") {
    const agent = new http.Agent({ keepAlive: true });
    const client = makeGot(apiUrl, agent);
    for (let w = 0; w < WARMUP_RUNS; w++) await viaGot(client, warmupN);
    for (let r = 0; r < ROUNDS; r++) out.totals.push(await viaGot(client, n));
    agent.destroy();
  } else {
    const dir = mkdtempSync(join(tmpdir(), "authspec-bench-"));
    try {
      writeFileSync(join(dir, "warmup.yaml"), pairsSpec(warmupN));
      writeFileSync(join(dir, "pairs.yaml"), pairsSpec(n));
      for (let w = 0; w < WARMUP_RUNS; w++) await viaAuthspec(join(dir, "warmup.yaml"), apiUrl, warmupN);
      for (let r = 0; r < ROUNDS; r++) {
        const t = await viaAuthspec(join(dir, "pairs.yaml"), apiUrl, n);
        out.totals.push(t.total);
        out.steps.push(t.steps);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}

function measure(kind: "authspec" | "got", apiUrl: string, n: number, warmupN: number): ChildResult {
  const r = spawnSync(process.execPath, ["--import", "tsx", "scripts/bench.ts", "--child", kind, "--url", apiUrl, "--n", String(n)], {
    cwd: root,
    env: { ...process.env, BENCH_WARMUP: String(warmupN) },
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0) throw new BenchFailure(`${kind} measurement failed (exit ${r.status ?? r.signal}): ${r.stderr.trim()}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as ChildResult;
}

async function main(): Promise<void> {
  const n = parseN();
  const warmupN = positiveInt("BENCH_WARMUP", process.env.BENCH_WARMUP, 1000);
  const dir = mkdtempSync(join(tmpdir(), "authspec-bench-"));
  let stopServerProcess: (() => Promise<void>) | undefined;
  try {
    const healthFile = join(dir, "health.yaml");
    writeFileSync(healthFile, HEALTH_SPEC);
    const srv = await startServerProcess();
    stopServerProcess = srv.stop;
    console.log(`demo server on ${srv.url} (own process); N = ${n} login + /me pairs (${2 * n} requests); ${PROCESSES} processes x ${ROUNDS} rounds per path`);

    // A suite at CI scale: 200 files x 5 requests, --jobs 1 against --jobs 8 (`--suite-only` measures just this).
    const suiteDir = join(dir, "suite");
    writeSuite(suiteDir);
    const cli = join(root, "dist/cli.js");
    // Twice: the demo server as is (every request is CPU work on this machine's cores), and answering after
    // 5 ms, as an API across a network does (then the run waits on the network, and parallel files overlap).
    const slow = await startServerProcess(SUITE_LATENCY_MS);
    try {
      for (const [label, url] of [["demo server", srv.url], [`demo server + ${SUITE_LATENCY_MS} ms latency`, slow.url]] as const) {
        const suiteEnv = { ...process.env, API_URL: url, API_PASSWORD: PASSWORD, NO_COLOR: "1" };
        const seq = timeSuite(cli, suiteDir, 1, suiteEnv);
        const par = timeSuite(cli, suiteDir, 8, suiteEnv);
        console.log(`suite of ${SUITE_FILES} files x ${SUITE_REQUESTS} requests (+1 setup login), ${label}, median of 3 CLI runs:`);
        console.log(`  --jobs 1 ${ms(seq).padStart(10)}\n  --jobs 8 ${ms(par).padStart(10)}\n  speed-up ${`${(seq / par).toFixed(2)}x`.padStart(10)}`);
      }
    } finally {
      await slow.stop();
    }
    if (argv.includes("--suite-only")) return;

    const a: number[] = [];
    const aSteps: number[] = [];
    const g: number[] = [];
    for (let p = 1; p <= PROCESSES; p++) {
      const ra = measure("authspec", srv.url, n, warmupN);
      const rg = measure("got", srv.url, n, warmupN);
      a.push(...ra.totals);
      aSteps.push(...ra.steps);
      g.push(...rg.totals);
      console.log(`  process ${p}: authspec ${ra.totals.map(ms).join(", ")}; got ${rg.totals.map(ms).join(", ")}`);
    }

    const cliEnv = { ...process.env, API_URL: srv.url, NO_COLOR: "1" };
    const runT = timeCommand("authspec run", ["dist/cli.js", "run", healthFile], cliEnv);
    const versionT = timeCommand("authspec --version", ["dist/cli.js", "--version"], cliEnv);

    const aMed = median(a);
    const gMed = median(g);
    const ratio = aMed / gMed;
    const sMed = median(aSteps);
    const loadMed = median(a.map((t, i) => t - aSteps[i]!));
    const rps = (t: number) => ((2 * n) / (t / 1000)).toFixed(0);
    const rows: [string, string, string, string][] = [
      ["measurement", "median", "detail", "aim"],
      [`authspec run() ${n} pairs`, ms(aMed), `${rps(aMed)} req/s`, ""],
      ["  of which step execution", ms(sMed), `${(sMed / gMed).toFixed(2)}x got; load+validate ${ms(loadMed)}`, ""],
      [`plain got loop ${n} pairs`, ms(gMed), `${rps(gMed)} req/s`, ""],
      ["ratio authspec/got", `${ratio.toFixed(2)}x`, "", `<= ${THROUGHPUT_AIM}x: ${ratio <= THROUGHPUT_AIM ? "met" : "MISSED"}`],
      ["cli run (1 request)", ms(runT.median), `min ${ms(runT.min)}`, `< ${STARTUP_AIM_MS} ms: ${runT.median < STARTUP_AIM_MS ? "met" : "MISSED"}`],
      ["cli --version", ms(versionT.median), `min ${ms(versionT.min)}`, "(reference)"],
    ];
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c]!.length)));
    console.log("");
    for (const r of rows) console.log(r.map((cell, c) => (c === 1 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd());
  } finally {
    await stopServerProcess?.();
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const childKind = argv.includes("--child") ? argv[argv.indexOf("--child") + 1] : undefined;
try {
  if (childKind === "authspec" || childKind === "got") await child(childKind, argv[argv.indexOf("--url") + 1]!, parseN(), positiveInt("BENCH_WARMUP", process.env.BENCH_WARMUP, 1000));
  else await main();
} catch (e) {
  console.error(`bench: ${e instanceof BenchFailure ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
}
