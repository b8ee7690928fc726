// A step never takes the run down: values of any type where a string is expected fail the step with a
// reason, and an exception inside a step (an authspec bug, a throwing reporter) fails only that step.
import { readFileSync } from "node:fs";
import { run, type RunResult } from "../src/index.js";
import type { Reporter } from "../src/report/reporter.js";
import { json, runCli, startServer, tempDir, type TestServer } from "./helpers.js";

let api: TestServer;
beforeAll(async () => {
  api = await startServer((req, res) => json(res, 200, { n: 12345, obj: { a: 1 }, nil: null, path: req.url }));
});
afterAll(() => api.close());

const failures = (r: RunResult) => Object.fromEntries(r.specs.flatMap((s) => s.steps.map((st) => [st.name, st.failures.map((f) => `${f.kind}: ${f.message}`)])));

test("expect.jwt naming a variable that holds a number, an object or null fails the step, exit 1, report written", async () => {
  const t = tempDir({
    "a.yaml": `name: jwt of other types
baseUrl: \${{ env.API }}
steps:
  - name: capture
    request: { url: /a }
    capture: { num: $.n, obj: $.obj, nil: $.nil }
  - name: a number
    request: { url: /b }
    expect: { jwt: { token: "\${{ num }}" } }
`,
    "b.yaml": `name: object
baseUrl: \${{ env.API }}
steps:
  - name: capture
    request: { url: /a }
    capture: { obj: $.obj }
  - name: an object
    request: { url: /b }
    expect: { jwt: { token: "\${{ obj }}" } }
`,
  });
  try {
    const cli = await runCli(["run", ".", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`], { cwd: t.dir, env: { API: api.url } });
    expect(cli.stderr).toBe("");
    expect(cli.code).toBe(1);
    const report = JSON.parse(readFileSync(t.path("r.json"), "utf8")) as RunResult;
    expect(failures(report)).toEqual({
      capture: [],
      "a number": ["jwt: jwt: the token is not a string"],
      "an object": ["jwt: jwt: the token is not a string"],
    });
  } finally {
    t.cleanup();
  }
});

test("an exception inside a step fails that step only (kind internal); the other specs run and the run ends normally", async () => {
  const t = tempDir({
    "a.yaml": `name: first\nsteps:\n  - { name: boom, request: { url: "\${{ env.API }}/boom" } }\n  - { name: after boom, request: { url: "\${{ env.API }}/after" } }\n`,
    "b.yaml": `name: second\nsteps:\n  - { name: fine, request: { url: "\${{ env.API }}/fine" } }\n`,
  });
  // A reporter that throws while a step's exchange is reported: code authspec calls inside the step.
  const throwing: Reporter = {
    onRunEnd() {},
    onExchange(x) {
      if (x.step.name === "boom") throw new Error("reporter exploded");
    },
  };
  try {
    api.requests.length = 0;
    const r = await run(["."], { cwd: t.dir, env: { API: api.url }, jobs: 2, reporters: [throwing] });
    expect(r.exitCode).toBe(1);
    expect(failures(r)).toEqual({
      boom: ["internal: internal error: reporter exploded (an authspec bug: please report it)"],
      "after boom": [],
      fine: [],
    });
    expect(r.specs[0]!.steps.map((s) => s.status)).toEqual(["failed", "skipped"]);
    expect(api.requests.map((q) => q.url).sort()).toEqual(["/boom", "/fine"]);
  } finally {
    t.cleanup();
  }
});
