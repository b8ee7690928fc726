// Bad specs never run: the corpus in fixtures/bad/ (each X.yaml with the exact output expected in
// X.expected), every file through the CLI (exit 2, file:line:col, no request, no stack trace); a
// directory mixing good and bad files; BOM and CRLF files that run with the right positions; a
// billion-laughs alias bomb; a generated 10 MB valid spec; broken suite configs and includes (fixtures/bad-suites/).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ValidateFunction } from "ajv";
import { run, validate, type RunResult } from "../src/index.js";
import { validateText } from "../src/validate/validate.js";
import generatedValidateReport from "../src/generated/validate-report.js";
import { json, ROOT, runCli, startServer, tempDir, type TestServer } from "./helpers.js";

const validateReport = generatedValidateReport as unknown as ValidateFunction;
const BAD = join(ROOT, "fixtures/bad");
const corpus = readdirSync(BAD).filter((f) => f.endsWith(".yaml")).sort();

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) => json(res, 200, { ok: true, token: "t0k3n-value", path: req.url }));
});
afterAll(() => server.close());

const STACK = /\n\s+at .+[:(]\d+/;

async function pool<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

describe("the corpus of broken specs (fixtures/bad)", () => {
  test("has at least 40 files, each with its expected output", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(40);
    const expected = readdirSync(BAD).filter((f) => f.endsWith(".expected")).sort();
    expect(expected).toEqual(corpus.map((f) => f.replace(/\.yaml$/, ".expected")));
  });

  test("every file through `authspec run`: exit 2, exactly the expected file:line:col problems, nothing sent, no stack trace", async () => {
    const before = { requests: server.requests.length, connections: server.connections };
    const results = await pool(corpus, 4, (file) => runCli(["run", `fixtures/bad/${file}`, "--base-url", server.url]));
    corpus.forEach((file, i) => {
      const r = results[i]!;
      const expected = readFileSync(join(BAD, file.replace(/\.yaml$/, ".expected")), "utf8");
      const n = expected.trimEnd().split("\n").length;
      expect({ file, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
        file,
        code: 2,
        stderr: "",
        stdout: `${expected}\n${n} problem${n === 1 ? "" : "s"} in 1 file; nothing was sent\n`,
      });
      for (const line of expected.trimEnd().split("\n")) expect(line).toMatch(new RegExp(`^fixtures/bad/${file.replace(/\./g, "\\.")}:\\d+:\\d+: error `));
      expect(r.stdout).not.toMatch(STACK);
    });
    expect({ requests: server.requests.length, connections: server.connections }).toEqual(before);
  }, 120_000);

  test("the whole directory at once: every file reported (validate and run agree), the JSON report lists them all, nothing sent", async () => {
    const all = corpus.map((f) => readFileSync(join(BAD, f.replace(/\.yaml$/, ".expected")), "utf8")).join("");
    const problems = all.trimEnd().split("\n").length;
    const t = tempDir();
    try {
      const v = await runCli(["validate", "fixtures/bad"]);
      expect(v.code).toBe(2);
      expect(v.stdout).toBe(`${all}\n${problems} problems in ${corpus.length} files\n`);
      const r = await runCli(["run", "fixtures/bad", "--base-url", server.url, "--reporter", `json:${t.path("r.json")}`, "--reporter", `junit:${t.path("r.xml")}`]);
      expect(r.code).toBe(2);
      const report = JSON.parse(readFileSync(t.path("r.json"), "utf8")) as RunResult;
      expect(validateReport(report)).toBe(true);
      expect(new Set(report.diagnostics.map((d) => d.file)).size).toBe(corpus.length);
      expect(report.diagnostics).toHaveLength(problems);
      expect(report.specs).toEqual([]);
      expect((readFileSync(t.path("r.xml"), "utf8").match(/<error /g) ?? []).length).toBe(corpus.length);
      expect(server.requests).toHaveLength(0);
    } finally {
      t.cleanup();
    }
  }, 30_000);

  test("a directory with bad files among good ones: all problems reported, no spec run", async () => {
    const good = (n: number) => `name: good ${n}\nsteps:\n  - name: a\n    request: { url: /ok }\n`;
    const t = tempDir({
      "a-good.yaml": good(1),
      "b-bad.yaml": "name: bad\nsteps:\n  - name: a\n    request: { url: /ok, methd: GET }\n",
      "c-good.yaml": good(2),
      "d/e-bad.yaml": "name: bad 2\nsteps: []\n",
      "d/f-good.yaml": good(3),
    });
    try {
      const r = await runCli(["run", ".", "--base-url", server.url], { cwd: t.dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe(
        "b-bad.yaml:4:26: error unknown key `methd`; did you mean `method`? (at /steps/0/request/methd)\n" +
          "d/e-bad.yaml:2:8: error a spec needs at least one step (at /steps)\n\n2 problems in 2 files; nothing was sent\n",
      );
      expect(server.requests).toHaveLength(0);
      expect(server.connections).toBe(0);
    } finally {
      t.cleanup();
    }
  });
});

describe("broken suites: configs and includes (fixtures/bad-suites)", () => {
  // One folder per case: the files of a small suite (a config, specs, included flows), `expected` (the exact
  // problems), and optionally `args` (the CLI arguments, one a line; default: `specs`). Each case runs from its
  // own folder, so its config is found as authspec.config.yaml and its folder is the suite root. `<bad-suites>`
  // in `expected` stands for the absolute path of fixtures/bad-suites (a path outside the suite root is shown
  // absolute).
  const SUITES = join(ROOT, "fixtures/bad-suites");
  const cases = readdirSync(SUITES, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  // Problems about a file that cannot be read, or a config that is not there, have no line to point at.
  const UNLOCATED = new Set(["config-missing-file", "config-env-without-config"]);

  test("has include cases and at least 8 broken configs, each with its expected output", () => {
    expect(cases.filter((c) => c.startsWith("include-")).length).toBeGreaterThanOrEqual(5);
    expect(cases.filter((c) => c.startsWith("config-")).length).toBeGreaterThanOrEqual(8);
    for (const c of cases) expect(readFileSync(join(SUITES, c, "expected"), "utf8").trim()).not.toBe("");
  });

  test("every case through `authspec run` from its folder: exit 2, exactly the expected problems, nothing sent, no stack trace", async () => {
    const before = { requests: server.requests.length, connections: server.connections };
    const argsOf = (c: string) => {
      try {
        return readFileSync(join(SUITES, c, "args"), "utf8").trimEnd().split("\n");
      } catch {
        return ["specs"];
      }
    };
    const t = tempDir();
    try {
      const results = await pool(cases, 4, (c) =>
        runCli(["run", ...argsOf(c), "--base-url", server.url, "--reporter", "console", "--reporter", `json:${t.path(`${c}.json`)}`], { cwd: join(SUITES, c) }),
      );
      cases.forEach((c, i) => {
        const r = results[i]!;
        const expected = readFileSync(join(SUITES, c, "expected"), "utf8").split("<bad-suites>").join(SUITES);
        const lines = expected.trimEnd().split("\n");
        const files = new Set(lines.map((l) => l.slice(0, l.indexOf(":"))));
        const n = lines.length;
        expect({ c, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
          c, code: 2, stderr: "",
          stdout: `${expected}\n${n} problem${n === 1 ? "" : "s"} in ${files.size} file${files.size === 1 ? "" : "s"}; nothing was sent\n`,
        });
        for (const line of lines) expect(line).toMatch(UNLOCATED.has(c) ? /^[^:]+: error / : /^[^:]+:\d+:\d+: error /);
        expect(r.stdout).not.toMatch(STACK);
        const report = JSON.parse(readFileSync(t.path(`${c}.json`), "utf8")) as RunResult;
        expect(validateReport(report)).toBe(true);
        expect(report.specs).toEqual([]);
        expect(report.diagnostics).toHaveLength(n);
      });
    } finally {
      t.cleanup();
    }
    expect({ requests: server.requests.length, connections: server.connections }).toEqual(before);
  }, 120_000);
});

describe("BOM and CRLF", () => {
  const spec =
    "name: bom and crlf\nsteps:\n  - name: log in\n    request: { url: /auth, method: POST }\n    capture: { token: $.token }\n" +
    "  - name: read\n    request:\n      url: /me\n      headers: { Authorization: \"Bearer ${{ token }}\", X-Env: \"${{ env.CRLF_VALUE }}\" }\n" +
    "    expect:\n      body:\n        $.ok: false\n";
  const variants = { "bom.yaml": "\ufeff" + spec, "crlf.yaml": spec.replace(/\n/g, "\r\n"), "bom-crlf.yaml": "\ufeff" + spec.replace(/\n/g, "\r\n") };

  test("valid BOM / CRLF files run, and report the right step lines", async () => {
    const t = tempDir(variants);
    try {
      const r = await runCli(["run", ".", "--base-url", server.url, "--reporter", "json"], { cwd: t.dir, env: { CRLF_VALUE: "v" } });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as RunResult;
      expect(report.specs.map((s) => s.file)).toEqual(["bom-crlf.yaml", "bom.yaml", "crlf.yaml"]);
      for (const s of report.specs) {
        expect(s.steps.map((st) => [st.name, st.line, st.status])).toEqual([
          ["log in", 3, "passed"],
          ["read", 6, "failed"],
        ]);
        expect(s.steps[1]!.failures.map((f) => f.message)).toEqual(["$.ok: expected false, got true"]);
      }
      expect(server.requests.filter((q) => q.url === "/me").every((q) => q.headers.authorization === "Bearer t0k3n-value" && q.headers["x-env"] === "v")).toBe(true);
    } finally {
      t.cleanup();
      server.requests.length = 0;
      server.connections = 0;
    }
  });

  test("a missing environment variable in a BOM / CRLF file is located right (exit 2, nothing sent)", async () => {
    const t = tempDir(variants);
    try {
      const r = await runCli(["run", ".", "--base-url", server.url], { cwd: t.dir, env: { CRLF_VALUE: undefined } });
      expect(r.code).toBe(2);
      const line = (f: string) => `${f}:9:64: error environment variable \`CRLF_VALUE\` is not set (used as env.CRLF_VALUE)`;
      expect(r.stdout).toBe(`${line("bom-crlf.yaml")}\n${line("bom.yaml")}\n${line("crlf.yaml")}\n\n3 problems in 3 files; nothing was sent\n`);
      expect(server.requests).toHaveLength(0);
    } finally {
      t.cleanup();
    }
  });
});

describe("resource limits of loading", () => {
  test("a billion-laughs alias bomb is rejected without expanding it", () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = "abcdefghijkl";
    for (let i = 1; i < names.length; i++) levels.push(`${names[i]}: &${names[i]} [${Array(10).fill("*" + names[i - 1]).join(",")}]`);
    const text = `name: lol\n${levels.join("\n")}\nsteps:\n  - name: a\n    request: { url: /x, json: *l }\n`; // 10^12 nodes if expanded
    const heap = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const r = validateText("bomb.yaml", text);
    const ms = performance.now() - t0;
    expect(r.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
      "1:1: YAML aliases expand too far (more than 1000 alias nodes): Excessive alias count indicates a resource exhaustion attack",
    ]);
    // A safety bound, not a benchmark: expansion would never finish, and would need terabytes.
    expect(ms).toBeLessThan(5000);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(100 * 1024 * 1024);
  });

  test("a generated 10 MB valid spec validates, with bounded memory", async () => {
    const steps: string[] = [];
    let size = 0;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const step =
        `  - name: step ${i}\n    request:\n      method: POST\n      url: /items/${i}\n      headers: { Authorization: "Bearer \${{ token }}", X-Request: "r-${i}" }\n` +
        `      json: { id: ${i}, name: "item ${i}", tags: [a, b, c] }\n    expect:\n      status: [200, 201]\n      body:\n        $.id: ${i}\n        $.name: { matches: "^item" }\n`;
      steps.push(step);
      size += step.length;
    }
    const t = tempDir({ "big.yaml": `name: big\nvariables:\n  token: abc\nsteps:\n${steps.join("")}` });
    try {
      global.gc?.();
      const heap = process.memoryUsage().heapUsed;
      const v = await validate(["big.yaml"], { cwd: t.dir });
      const grown = process.memoryUsage().heapUsed - heap;
      expect(v.diagnostics).toEqual([]);
      expect(v.specs[0]!.spec.steps).toHaveLength(steps.length);
      expect(v.specs[0]!.stepLines.slice(0, 3)).toEqual([5, 16, 27]);
      // The parsed spec itself is held in memory (about 50 MB of heap for these 10 MB); the bound leaves room for GC timing.
      expect(grown).toBeLessThan(250 * 1024 * 1024);
      // Through the CLI too.
      const r = await runCli(["validate", "big.yaml"], { cwd: t.dir });
      expect(r).toEqual({ code: 0, stdout: "1 file valid\n", stderr: "" });
      // And a 1 MB file with one error near its end is located exactly. (An invalid file is parsed again
      // with positions by \`yaml\`, which needs about 100 times the file's size in memory: 1 MB, not 10.)
      const some = steps.slice(0, 3000);
      writeFileSync(t.path("big.yaml"), `name: big\nvariables:\n  token: abc\nsteps:\n${some.join("")}  - name: last\n    request: { url: /x, methd: GET }\n`);
      const bad = await validate(["big.yaml"], { cwd: t.dir });
      expect(bad.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`)).toEqual([
        `${4 + some.length * 11 + 2}:25: unknown key \`methd\`; did you mean \`method\`?`,
      ]);
    } finally {
      t.cleanup();
    }
  }, 60_000);
});

test("the API never sends for bad specs either", async () => {
  const r = await run(["fixtures/bad"], { cwd: ROOT, baseUrl: server.url });
  expect(r.exitCode).toBe(2);
  expect(r.specs).toEqual([]);
  expect(server.requests).toHaveLength(0);
});
