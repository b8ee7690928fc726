// Suites at CI scale: config, setup/teardown, includes, parallel runs, shards, selection, retries,
// and the reports CI systems read. Every run goes against servers on 127.0.0.1.
import { readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";
import { PassThrough } from "node:stream";
import { Chalk } from "chalk";
import { run, validate, type RunResult } from "../src/index.js";
import { Redactor } from "../src/mask.js";
import { Output } from "../src/report/reporter.js";
import { ConsoleReporter } from "../src/report/console.js";
import { escapeData, escapeProperty, toGithubCommands } from "../src/report/github.js";
import { shardOf } from "../src/suite/select.js";
import { startDemoServer } from "../fixtures/demo-server.js";
import validateReport from "../src/generated/validate-report.js";
import { toJsonReport } from "../src/report/json.js";
import { json, ROOT, runCli, startServer, tempDir, type TestServer } from "./helpers.js";

const TOKEN = "tok-7f3a9c2e41";
let server: TestServer;
/** Requests per path. */
const hits = new Map<string, number>();
/** /flaky/<key>: 503 until the key has been asked N times (?after=N). */
const flaky = new Map<string, number>();

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    hits.set(url.pathname, (hits.get(url.pathname) ?? 0) + 1);
    const authed = req.headers.authorization === `Bearer ${TOKEN}`;
    if (url.pathname === "/login" && req.method === "POST") {
      const body = JSON.parse(req.body || "{}") as { user?: string };
      return json(res, 200, { token: TOKEN, user: body.user ?? "anon" });
    }
    if (url.pathname === "/logout") return json(res, 200, { bye: true });
    if (url.pathname === "/me") return authed ? json(res, 200, { name: "alice" }) : json(res, 401, { error: "unauthorized" });
    if (url.pathname.startsWith("/item/")) {
      const delay = Number(url.searchParams.get("delay") ?? 0);
      setTimeout(() => json(res, 200, { id: url.pathname.slice(6), headers: req.headers }), delay);
      return;
    }
    if (url.pathname.startsWith("/flaky/")) {
      const n = (flaky.get(url.pathname) ?? 0) + 1;
      flaky.set(url.pathname, n);
      return n > Number(url.searchParams.get("after") ?? 2) ? json(res, 200, { ready: true }) : json(res, 503, { ready: false });
    }
    if (url.pathname === "/echo") return json(res, 200, { headers: req.headers });
    if (url.pathname === "/evil") return json(res, 200, { msg: "x\n::add-mask::leak\r\n::error file=a.yaml::forged %0A" });
    return json(res, 404, { error: "not_found" });
  });
});
afterAll(() => server.close());
beforeEach(() => {
  hits.clear();
  flaky.clear();
});

const env = () => ({ API_URL: server.url });
const CONFIG = `baseUrl: \${{ env.API_URL }}
setup: [setup/login.yaml]
defaults:
  headers:
    Authorization: Bearer \${{ token }}
`;
const LOGIN = `name: log in once
steps:
  - name: login
    request: { method: POST, url: /login, json: { user: alice } }
    capture: { token: $.token }
`;
const itemSpec = (i: number, extra = "") => `name: item ${i}
tags: [${i % 2 ? "odd" : "even"}]
steps:
  - name: read item ${i}
    request: { url: "/item/${i}?delay=${(i * 37) % 40}" }
    expect: { body: { $.id: "${i}" } }
  - name: me
    request: { url: /me }
    expect: { status: 200 }
${extra}`;

async function inDir<T>(files: Record<string, string>, fn: (dir: string, path: (p: string) => string) => Promise<T>): Promise<T> {
  const t = tempDir(files);
  try {
    return await fn(t.dir, t.path);
  } finally {
    t.cleanup();
  }
}

describe("a suite shares one setup login", () => {
  test("120 spec files, one login request: the setup's captures reach every spec (through config defaults)", async () => {
    const files: Record<string, string> = { "authspec.config.yaml": CONFIG, "setup/login.yaml": LOGIN };
    for (let i = 0; i < 120; i++) files[`specs/s${String(i).padStart(3, "0")}.yaml`] = itemSpec(i);
    await inDir(files, async (dir) => {
      const r = await run(["specs"], { cwd: dir, env: env(), jobs: 4 });
      expect(r.diagnostics).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(hits.get("/login")).toBe(1);
      expect(hits.get("/me")).toBe(120);
      expect(r.specs).toHaveLength(121);
      expect(r.specs[0]!.name).toBe("log in once");
      // input order, whatever order they finished in
      expect(r.specs.slice(1).map((s) => s.name)).toEqual(Array.from({ length: 120 }, (_, i) => `item ${i}`));
    });
  });

  test("setup runs whatever --grep/--tag/--shard select; teardown runs after failures; a failed setup skips the specs", async () => {
    const files = {
      "authspec.config.yaml": CONFIG + "teardown: [teardown.yaml]\n",
      "setup/login.yaml": LOGIN,
      "teardown.yaml": "name: log out\nsteps:\n  - name: logout\n    request: { url: /logout }\n",
      "specs/a.yaml": itemSpec(1),
      "specs/b.yaml": "name: broken\nsteps:\n  - name: missing\n    request: { url: /nope }\n",
    };
    await inDir(files, async (dir) => {
      const r = await run(["specs"], { cwd: dir, env: env(), grep: "broken" });
      expect(r.specs.map((s) => [s.name, s.status])).toEqual([["log in once", "passed"], ["broken", "failed"], ["log out", "passed"]]);
      expect(hits.get("/login")).toBe(1);
      expect(hits.get("/logout")).toBe(1);
      hits.clear();
      writeFileSync(`${dir}/setup/login.yaml`, LOGIN.replace("/login", "/nologin"));
      const failed = await run(["specs"], { cwd: dir, env: env() });
      expect(failed.specs.map((s) => s.status)).toEqual(["failed", "skipped", "skipped", "passed"]);
      expect(hits.get("/item/1")).toBeUndefined();
      expect(hits.get("/logout")).toBe(1);
    });
  });
});

describe("suite config", () => {
  test("invalid config: file:line:col diagnostics with did-you-mean, nothing sent", async () => {
    const config = "baseUrl: ${{ env.API_URL }}\ndefualts:\n  timeout: 100\njobs: zero\nvariables:\n  a: ${{ b }}\n  b: 1\n";
    await inDir({ "authspec.config.yaml": config, "specs/a.yaml": itemSpec(1) }, async (dir) => {
      const r = await run(["specs"], { cwd: dir, env: env() });
      expect(r.exitCode).toBe(2);
      expect(hits.size).toBe(0);
      const shown = r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`);
      expect(shown).toContain("authspec.config.yaml:2:1 unknown key `defualts`; did you mean `defaults`?");
      expect(shown).toContain("authspec.config.yaml:4:7 `jobs` must be an integer, got string \"zero\"");
      expect(shown.find((s) => s.startsWith("authspec.config.yaml:6:6 unknown variable `b`"))).toBeDefined();
      // --config names another file; its folder is the suite root
      const v = await validate(["specs"], { cwd: dir, config: "authspec.config.yaml" });
      expect(v.ok).toBe(false);
    });
  });

  test("environments (--env), variables and defaults: spec defaults over config defaults, request values over both", async () => {
    const config = `baseUrl: http://127.0.0.1:9/unused
variables: { who: config, shared: top }
defaults:
  headers: { X-Client: suite, X-Level: config }
  timeout: 5000
environments:
  local:
    baseUrl: \${{ env.API_URL }}
    variables: { who: local }
`;
    const spec = `name: echo
defaults:
  headers: { X-Level: spec }
steps:
  - name: echo
    request: { url: /echo, headers: { X-Who: "\${{ who }}-\${{ shared }}" } }
    expect:
      body:
        $.headers['x-client']: suite
        $.headers['x-level']: spec
        $.headers['x-who']: local-top
  - name: request header wins
    request: { url: /echo, headers: { x-level: request } }
    expect: { body: { "$.headers['x-level']": request } }
`;
    await inDir({ "authspec.config.yaml": config, "specs/e.yaml": spec }, async (dir) => {
      const r = await run(["specs"], { cwd: dir, env: env(), envName: "local" });
      expect(r.diagnostics).toEqual([]);
      expect(r.specs[0]!.steps.map((s) => s.failures)).toEqual([[], []]);
      const bad = await run(["specs"], { cwd: dir, env: env(), envName: "locl" });
      expect(bad.exitCode).toBe(2);
      expect(bad.diagnostics[0]!.message).toBe("--env locl: no such environment; did you mean `local`? (defined: local)");
      expect(bad.diagnostics[0]!.line).toBe(6);
    });
  });
});

test("timeout: config defaults < --timeout < spec defaults < the request's own", async () => {
  const spec = (defaults: string, request = "") => `name: t
${defaults}steps:
  - name: slow
    request: { url: "/item/1?delay=250"${request} }
`;
  const cases: [string, string, number | undefined, string | undefined][] = [
    ["", "", undefined, "timed out after 100 ms"],
    ["", "", 150, "timed out after 150 ms"],
    ["defaults: { timeout: 120 }\n", "", 150, "timed out after 120 ms"],
    ["defaults: { timeout: 120 }\n", ", timeout: 1000", 150, undefined],
  ];
  for (const [defaults, request, timeoutMs, failure] of cases) {
    await inDir({ "authspec.config.yaml": "baseUrl: ${{ env.API_URL }}\ndefaults: { timeout: 100, followRedirects: true }\n", "t.yaml": spec(defaults, request) }, async (dir) => {
      const r = await run(["t.yaml"], { cwd: dir, env: env(), timeoutMs });
      expect(r.specs[0]!.steps[0]!.failures[0]?.message).toBe(failure);
    });
  }
});

describe("include", () => {
  const FLOW = `name: login flow
variables: { user: nobody }
steps:
  - name: post credentials
    request: { method: POST, url: /login, json: { user: "\${{ user }}" } }
    expect: { body: { $.user: "\${{ user }}" } }
    capture: { token: $.token }
`;
  test("runs the included steps in place with variables passed in; its captures are visible afterwards", async () => {
    const spec = `name: uses a flow
baseUrl: \${{ env.API_URL }}
variables: { me: alice }
steps:
  - include: ../flows/login.yaml
    name: login
    variables: { user: "\${{ me }}" }
  - name: me
    request: { url: /me, headers: { Authorization: "Bearer \${{ token }}" } }
`;
    await inDir({ "flows/login.yaml": FLOW, "specs/a.yaml": spec }, async (dir) => {
      const r = await run(["."], { cwd: dir, env: env() });
      expect(r.diagnostics).toEqual([]);
      // the flow is not run as a spec of its own
      expect(r.specs.map((s) => s.file)).toEqual(["specs/a.yaml"]);
      expect(r.specs[0]!.steps.map((s) => [s.name, s.status, s.file, s.line])).toEqual([
        ["login › post credentials", "passed", "flows/login.yaml", 4],
        ["me", "passed", undefined, 8],
      ]);
      expect(JSON.parse(server.requests.find((q) => q.url === "/login")!.body)).toEqual({ user: "alice" });
      expect((validateReport as unknown as (d: unknown) => boolean)(JSON.parse(JSON.stringify(toJsonReport(r, "0.0.0"))))).toBe(true);
    });
  });

  test("a cycle is a validation error naming the chain; an include outside the suite root is rejected; both with positions", async () => {
    const files = {
      "authspec.config.yaml": "baseUrl: ${{ env.API_URL }}\n",
      "specs/a.yaml": "name: a\nsteps:\n  - name: x\n    request: { url: /me }\n  - include: b.yaml\n",
      "specs/b.yaml": "name: b\nsteps:\n  - include: ./c.yaml\n",
      "specs/c.yaml": "name: c\nsteps:\n  - name: y\n    request: { url: /me }\n  - include: a.yaml\n",
      "specs/out.yaml": "name: out\nsteps:\n  - name: z\n    request: { url: /me }\n  - include: ../../elsewhere.yaml\n",
    };
    await inDir(files, async (dir) => {
      const r = await run(["specs/a.yaml", "specs/out.yaml"], { cwd: dir, env: env() });
      expect(r.exitCode).toBe(2);
      expect(hits.size).toBe(0);
      const shown = r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`);
      expect(shown).toContain("specs/c.yaml:5:14 include cycle: specs/a.yaml → specs/b.yaml → specs/c.yaml → specs/a.yaml");
      const escape = shown.find((s) => s.startsWith("specs/out.yaml:5:14 include `../../elsewhere.yaml` resolves to "));
      expect(escape).toMatch(/outside the suite root .*: an included file must be inside it$/);
      // validate reports the same, and the CLI exits 2
      const cli = await runCli(["validate", "specs/a.yaml"], { cwd: dir });
      expect(cli.code).toBe(2);
      expect(cli.stdout).toContain("specs/c.yaml:5:14: error include cycle: specs/a.yaml → specs/b.yaml → specs/c.yaml → specs/a.yaml");
    });
  });

  test("a missing included file, a variable the flow does not declare, and an include step with a request are errors", async () => {
    const files = {
      "flows/login.yaml": FLOW,
      "a.yaml": "name: a\nbaseUrl: http://x\nsteps:\n  - include: flows/nope.yaml\n  - include: flows/login.yaml\n    variables: { usr: bob }\n  - include: flows/login.yaml\n    request: { url: /x }\n",
    };
    await inDir(files, async (dir) => {
      const v = await validate(["a.yaml"], { cwd: dir });
      const shown = v.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`);
      expect(shown).toContain("a.yaml:4:14 cannot read the included file flows/nope.yaml: no such file (ENOENT)");
      expect(shown).toContain("a.yaml:6:18 `flows/login.yaml` has no variable `usr`: declare it in that file's `variables` (with a default) to pass it in");
      expect(shown).toContain("a.yaml:8:5 an include step has no `request`: it runs the steps of the included file (use a separate step for a request)");
    });
  });
});

describe("parallel runs", () => {
  const normalize = (text: string) =>
    text
      .replace(/"(durationMs|startedAt)": [^,\n]+/g, '"$1": T')
      .replace(/(time|timestamp)="[^"]*"/g, '$1="T"')
      .replace(/\d+(\.\d+)? m?s\b/g, "T")
      .replace(/^ {6}< date: .*$/gm, "      < date: T");

  test("--jobs 4 reports are byte-identical to --jobs 1 apart from timings (console, json, junit)", async () => {
    const files: Record<string, string> = { "authspec.config.yaml": CONFIG, "setup/login.yaml": LOGIN };
    for (let i = 0; i < 24; i++) files[`specs/s${String(i).padStart(2, "0")}.yaml`] = itemSpec(i);
    files["specs/s05.yaml"] = itemSpec(5).replace("expect: { status: 200 }", "expect: { status: 201 }");
    files["specs/s09.yaml"] = itemSpec(9).replace("tags:", "skip: true\ntags:");
    await inDir(files, async (dir) => {
      const outputs: string[][] = [];
      for (const jobs of ["1", "4"]) {
        const r = await runCli(["run", "specs", "--jobs", jobs, "--reporter", "console", "--reporter", `json:j${jobs}.json`, "--reporter", `junit:j${jobs}.xml`], { cwd: dir, env: env() });
        expect(r.code).toBe(1);
        outputs.push([r.stdout, readFileSync(`${dir}/j${jobs}.json`, "utf8"), readFileSync(`${dir}/j${jobs}.xml`, "utf8")].map(normalize));
      }
      expect(outputs[1]).toEqual(outputs[0]);
      expect(outputs[0]![0]).toContain("✗ item 5 specs/s05.yaml");
      expect(outputs[0]![0]).toContain("- item 9 specs/s09.yaml · 2 steps skipped");
      // --verbose: every request and response stays under its own step
      const verbose: string[] = [];
      for (const jobs of ["1", "4"]) verbose.push(normalize((await runCli(["run", "specs", "--jobs", jobs, "--verbose"], { cwd: dir, env: env() })).stdout));
      expect(verbose[1]).toEqual(verbose[0]);
      expect(verbose[0]).toMatch(/ {2}✓ read item 3 {2}T\n {6}> GET http:\/\/127\.0\.0\.1:\d+\/item\/3\?delay=31\n/);
    });
  });

  test("--bail with --jobs: no spec starts after a failure; the running ones finish", async () => {
    const files: Record<string, string> = {};
    files["s00.yaml"] = "name: fails fast\nsteps:\n  - name: x\n    request: { url: /nope }\n";
    for (let i = 1; i < 12; i++) files[`s${String(i).padStart(2, "0")}.yaml`] = `name: slow ${i}\nsteps:\n  - name: x\n    request: { url: "/item/${i}?delay=150" }\n`;
    await inDir(files, async (dir) => {
      const r = await run(["."], { cwd: dir, env: env(), baseUrl: server.url, jobs: 3, bail: true });
      expect(r.exitCode).toBe(1);
      // s00 fails at once; s01 and s02 were already running and finish; nothing else starts
      expect(r.specs.map((s) => s.status)).toEqual(["failed", "passed", "passed", ...Array(9).fill("skipped")]);
      expect([...hits.keys()].filter((k) => k.startsWith("/item/")).sort()).toEqual(["/item/1", "/item/2"]);
    });
  });
});

describe("selection", () => {
  test("--shard i/n partitions the files by a stable hash of their path", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`specs/s${i}.yaml`] = `name: s${i}\nsteps:\n  - name: x\n    request: { url: /item/${i} }\n`;
    await inDir(files, async (dir) => {
      const seen: string[] = [];
      for (let i = 1; i <= 3; i++) {
        const r = await run(["specs"], { cwd: dir, baseUrl: server.url, shard: `${i}/3` });
        expect(r.exitCode).toBe(0);
        expect(r.specs.length).toBeGreaterThan(0);
        for (const s of r.specs) expect(shardOf(relative(dir, `${dir}/${s.file}`), 3)).toBe(i);
        seen.push(...r.specs.map((s) => s.file));
      }
      expect(seen.sort()).toEqual(Object.keys(files).sort());
      const bad = await runCli(["run", "specs", "--shard", "4/3"], { cwd: dir });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--shard expects i/n with 1 <= i <= n");
    });
    // the hash depends on the path only
    expect(shardOf("specs/s1.yaml", 3)).toBe(shardOf("specs/s1.yaml", 3));
    expect(new Set(Array.from({ length: 200 }, (_, i) => shardOf(`f${i}.yaml`, 4))).size).toBe(4);
  });

  test("--grep matches spec and step names; --tag (repeatable) any of the tags; only/skip as in jest", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) files[`s${i}.yaml`] = itemSpec(i).replace("expect: { status: 200 }", "expect: { status: 401 }");
    await inDir(files, async (dir) => {
      const names = (r: RunResult) => r.specs.map((s) => `${s.name}:${s.status}`);
      const opts = { cwd: dir, baseUrl: server.url };
      expect(names(await run(["."], { ...opts, grep: "^ITEM [13]$" }))).toEqual(["item 1:passed", "item 3:passed"]);
      expect(names(await run(["."], { ...opts, grep: "read item 4" }))).toEqual(["item 4:passed"]);
      expect(names(await run(["."], { ...opts, tags: ["even"] }))).toEqual(["item 0:passed", "item 2:passed", "item 4:passed"]);
      expect(names(await run(["."], { ...opts, tags: ["even", "odd"] }))).toHaveLength(6);
      // A selection that leaves nothing is no error (a shard may be empty), but it says so.
      const notes: string[] = [];
      const none = await run(["."], { ...opts, grep: "itme", tags: ["even"], warn: (m) => notes.push(m) });
      expect([none.exitCode, none.specs.length]).toEqual([0, 0]);
      expect(notes).toEqual(['note: --grep "itme" and --tag even selected none of the 6 spec files']);
      const cli = await runCli(["run", ".", "--base-url", server.url, "--grep", "itme"], { cwd: dir });
      expect([cli.code, cli.stderr]).toEqual([0, 'note: --grep "itme" selected none of the 6 spec files\n']);
    });
    const stepSpec = `name: steps
baseUrl: ${server.url}
steps:
  - name: a
    request: { url: /item/a }
  - name: b
    skip: true
    request: { url: /item/b }
  - name: c
    request: { url: /item/c }
`;
    await inDir({ "a.yaml": stepSpec, "b.yaml": stepSpec.replace("name: steps", "name: other").replace("  - name: c\n", "  - name: c\n    only: true\n"), "c.yaml": stepSpec.replace("name: steps", "name: third\nskip: true") }, async (dir) => {
      const r = await run(["."], { cwd: dir });
      expect(r.specs.map((s) => [s.name, s.status, s.steps.map((x) => x.status).join(",")])).toEqual([
        ["steps", "passed", "passed,skipped,passed"],
        ["other", "passed", "skipped,skipped,passed"],
        ["third", "skipped", "skipped,skipped,skipped"],
      ]);
      writeFileSync(`${dir}/b.yaml`, stepSpec.replace("name: steps", "name: other\nonly: true"));
      const only = await run(["."], { cwd: dir });
      expect(only.specs.map((s) => `${s.name}:${s.status}`)).toEqual(["steps:skipped", "other:passed", "third:skipped"]);
    });
  });
});

describe("retry", () => {
  test("re-sends until the expectations pass; the report shows the attempts", async () => {
    const spec = `name: poll
baseUrl: ${server.url}
steps:
  - name: wait until ready
    request: { url: "/flaky/a?after=2" }
    expect: { status: 200, body: { $.ready: true } }
    retry: { count: 3, delay: 20 }
  - name: gives up
    request: { url: "/flaky/b?after=5" }
    retry: { count: 1 }
`;
    await inDir({ "p.yaml": spec }, async (dir) => {
      const r = await runCli(["run", "p.yaml", "--reporter", "console", "--reporter", "json:r.json", "--reporter", "junit:r.xml"], { cwd: dir });
      expect(r.code).toBe(1);
      const report = JSON.parse(readFileSync(`${dir}/r.json`, "utf8"));
      expect(report.specs[0].steps.map((s: { status: string; attempts: number }) => [s.status, s.attempts])).toEqual([["passed", 3], ["failed", 2]]);
      expect((validateReport as unknown as (d: unknown) => boolean)(report)).toBe(true);
      expect(flaky.get("/flaky/a")).toBe(3);
      expect(flaky.get("/flaky/b")).toBe(2);
      expect(r.stdout).toMatch(/✓ wait until ready {2}\d+ ms \(3 attempts\)/);
      expect(r.stdout).toContain("   after 2 attempts\n");
      expect(readFileSync(`${dir}/r.xml`, "utf8")).toContain("after 2 attempts");
    });
  });
});

describe("reports CI systems read", () => {
  test("github: one ::error per failed step at its line; a response body cannot inject commands; step summary appended", async () => {
    const spec = `name: gh
baseUrl: ${server.url}
steps:
  - name: ok
    request: { url: /item/1 }
  - name: "evil, with: colon\\n::add-mask::name"
    request: { url: /evil }
    expect: { body: { $.msg: expected } }
`;
    await inDir({ "specs/g.yaml": spec, "summary.md": "# earlier step\n" }, async (dir) => {
      const r = await runCli(["run", "specs", "--reporter", "junit:r.xml"], { cwd: dir, env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: `${dir}/summary.md` } });
      // a json report on stdout stays a JSON document: no annotations are added to it
      const doc = await runCli(["run", "specs", "--reporter", "json"], { cwd: dir, env: { GITHUB_ACTIONS: "true" } });
      expect(JSON.parse(doc.stdout).exitCode).toBe(1);
      expect(r.code).toBe(1);
      const commands = r.stdout.split("\n").filter((l) => l.startsWith("::"));
      expect(commands).toHaveLength(1);
      expect(commands[0]).toMatch(/^::error file=specs\/g\.yaml,line=6,title=gh › evil%2C with%3A colon%0A%3A%3Aadd-mask%3A%3Aname::GET /);
      expect(commands[0]).toContain('got "x\\n::add-mask::leak\\r\\n::error file=a.yaml::forged %250A"');
      const summary = readFileSync(`${dir}/summary.md`, "utf8");
      expect(summary.startsWith("# earlier step\n### authspec: failed\n")).toBe(true);
      expect(summary).toContain("| ❌ | gh (specs/g.yaml:6) | evil, with: colon ::add-mask::name |");
    });
    expect(escapeData("a%b\r\nc")).toBe("a%25b%0D%0Ac");
    // raw line breaks in any message (a server's error text in a network failure) stay inside the command
    const result = { ok: false, exitCode: 1, startedAt: "", durationMs: 0, summary: { specs: { total: 1, passed: 0, failed: 1, skipped: 0 }, steps: { total: 1, passed: 0, failed: 1, skipped: 0 } }, diagnostics: [],
      specs: [{ file: "a.yaml", name: "a", status: "failed", durationMs: 0, steps: [{ name: "s", line: 3, status: "failed", durationMs: 0, captures: [], failures: [{ kind: "network", message: "reset\n::set-output name=x::y" }] }] }] } as const;
    expect(toGithubCommands(result as unknown as RunResult)).toBe("::error file=a.yaml,line=3,title=a › s::- reset%0A::set-output name=x::y\n");
    expect(escapeProperty("a:b,c%")).toBe("a%3Ab%2Cc%25");
  });

  test("several --reporter at once, each with its own output; JUnit shaped for GitLab/Jenkins and valid against the Ant XSD", async () => {
    const spec = `name: mixed
baseUrl: ${server.url}
steps:
  - name: passes
    request: { url: /item/1 }
  - name: fails
    request: { url: /nope }
  - name: skipped after
    request: { url: /item/2 }
`;
    await inDir({ "specs/m.yaml": spec }, async (dir) => {
      const r = await runCli(["run", "specs", "--reporter", "console", "--reporter", "junit:out/j.xml", "--reporter", "json:out/r.json", "--reporter", "github:out/gh.txt"], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("✗ mixed specs/m.yaml");
      expect(JSON.parse(readFileSync(`${dir}/out/r.json`, "utf8")).summary.steps).toEqual({ total: 3, passed: 1, failed: 1, skipped: 1 });
      expect(readFileSync(`${dir}/out/gh.txt`, "utf8")).toMatch(/^::error file=specs\/m\.yaml,line=6,title=mixed › fails::/);
      const xml = readFileSync(`${dir}/out/j.xml`, "utf8");
      expect(xml).toMatch(/<testcase name="passes" classname="specs\/m\.yaml" time="\d+\.\d{3}"\/>/);
      expect(xml).toMatch(/<testcase name="fails" classname="specs\/m\.yaml" time="\d+\.\d{3}">\s*<failure type="status" message="expected status 2xx, got 404 Not Found">specs\/m\.yaml:6\n/);
      expect(xml).toMatch(/<testcase name="skipped after" classname="specs\/m\.yaml" time="0\.000">\s*<skipped /);
      const xsd = new URL("../../shared/junit/JUnit.xsd", import.meta.url);
      const { spawnSync } = await import("node:child_process");
      const lint = spawnSync("xmllint", ["--noout", "--schema", xsd.pathname, `${dir}/out/j.xml`], { encoding: "utf8" });
      if (lint.error) return; // no xmllint here: .ci/run checks the example reports
      expect(lint.stderr).toContain("validates");
      expect(lint.status).toBe(0);
    });
  });

  test("a live progress line only on a terminal; cleared before spec lines", () => {
    const spec = { file: "a.yaml", name: "a", status: "passed" as const, durationMs: 1, steps: [] };
    const outputs = [true, false].map((tty) => {
      const stream = Object.assign(new PassThrough(), { isTTY: tty });
      let text = "";
      stream.on("data", (d: Buffer) => (text += d.toString()));
      const reporter = new ConsoleReporter(new Output(new Redactor(), undefined, stream), new Chalk({ level: 0 }));
      reporter.onProgress({ done: 1, total: 3, failed: 1 });
      reporter.onSpecEnd(spec);
      reporter.onProgress({ done: 3, total: 3, failed: 1 });
      return () => text;
    });
    expect(outputs[0]!()).toBe("\r\x1b[2K  1/3 specs, 1 failed …\r\x1b[2K✓ a a.yaml · 0 steps · 1 ms\n");
    expect(outputs[1]!()).toBe("✓ a a.yaml · 0 steps · 1 ms\n");
  });
});

describe("examples/suite", () => {
  test("passes against the demo server: one setup login for the suite, one more for the spec that logs in as bob", async () => {
    const demo = await startDemoServer();
    try {
      const r = await run(["examples/suite/specs"], {
        cwd: ROOT, config: "examples/suite/authspec.config.yaml", envFiles: ["specs/demo.env"], env: { API_URL: demo.url },
      });
      expect(r.diagnostics).toEqual([]);
      expect(r.specs.map((s) => `${s.name}:${s.status}`)).toEqual([
        "Log in once for the whole suite:passed",
        "Another user, through the same flow:passed",
        "Items, page by page:passed",
        "Profile with the suite's token:passed",
      ]);
      expect(demo.stats.byPath["/auth"]).toBe(2);
    } finally {
      await demo.close();
    }
  });
});
