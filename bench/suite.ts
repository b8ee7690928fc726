// `npm run bench` part 3: a suite at CI scale. 200 spec files x 5 requests (one setup login shared through
// the config), run by the built CLI with --jobs 1 and --jobs 8 against the demo server (its own process).
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const SUITE_FILES = 200;
export const SUITE_REQUESTS = 5;

/** Write the suite into `dir`: authspec.config.yaml, setup/login.yaml and specs/sNNN.yaml. */
export function writeSuite(dir: string, files = SUITE_FILES, requests = SUITE_REQUESTS): void {
  mkdirSync(join(dir, "setup"), { recursive: true });
  mkdirSync(join(dir, "specs"), { recursive: true });
  writeFileSync(
    join(dir, "authspec.config.yaml"),
    "baseUrl: ${{ env.API_URL }}\nsetup: [setup/login.yaml]\ndefaults:\n  headers:\n    Authorization: Bearer ${{ token }}\n",
  );
  writeFileSync(
    join(dir, "setup/login.yaml"),
    'name: log in\nsteps:\n  - name: login\n    request: { method: POST, url: /auth, json: { username: alice, password: "${{ secrets.API_PASSWORD }}" } }\n    capture: { token: $.token }\n',
  );
  const steps = Array.from({ length: requests }, (_, i) => `  - name: me ${i}\n    request: { url: /me }\n    expect: { status: 200, body: { $.user.name: alice } }\n`).join("");
  for (let f = 0; f < files; f++) writeFileSync(join(dir, "specs", `s${String(f).padStart(3, "0")}.yaml`), `name: spec ${f}\nsteps:\n${steps}`);
}

/** Median wall time (ms) of `authspec run specs --jobs N` in `dir` over `runs` runs, after one warm-up. */
export function timeSuite(cli: string, dir: string, jobs: number, env: NodeJS.ProcessEnv, runs = 3): number {
  const once = () => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ["--", cli, "run", "specs", "--jobs", String(jobs), "--reporter", "json:report.json"], { cwd: dir, env, encoding: "utf8", timeout: 300_000 });
    const elapsed = performance.now() - t0;
    if (r.status !== 0) throw new Error(`suite run --jobs ${jobs} failed (exit ${r.status ?? r.signal}): ${r.stdout.slice(-2000)}${r.stderr}`);
    return elapsed;
  };
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return times[times.length >> 1]!;
}
