// The CLI end to end, as a spawned process: exit codes, output, reporters, colours and the leak check.
import { readFileSync } from "node:fs";
import { startDemoServer, type DemoServer } from "../fixtures/demo-server.js";
import { ROOT, runCli, startServer, tempDir } from "./helpers.js";
import { VERSION } from "../src/index.js";

let demo: DemoServer;
beforeAll(async () => {
  demo = await startDemoServer();
});
afterAll(() => demo.close());

const CLIENT_BASIC = Buffer.from("demo-client:demo-secret").toString("base64");
const env = () => ({
  API_URL: demo.url, API_TLS_URL: demo.tlsUrl, API_PASSWORD: "wonderland", CLIENT_SECRET: "demo-secret", CLIENT_BASIC,
  CLIENT_KEY_PASSPHRASE: "demo-key-passphrase",
});

describe("authspec CLI", () => {
  test("--version and --help", async () => {
    const v = await runCli(["--version"]);
    expect(v).toEqual({ code: 0, stdout: VERSION + "\n", stderr: "" });
    expect(VERSION).toBe(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version);
    const h = await runCli(["--help"]);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("authspec run [paths...]");
    expect(h.stdout).toContain("Exit codes: 0 every step passed, 1 at least one step failed, 2 invalid specs or wrong usage,\n3 internal error, 130/143 interrupted");
  });

  test("wrong usage exits 2 with a one-line reason, no stack trace", async () => {
    for (const args of [["frobnicate"], ["run", "--nope"], ["run", "--timeout", "soon"], ["run", "--reporter", "xml"], ["run", "--var", "=x"], ["run", "--reporter", "json", "--reporter", "junit"]]) {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^authspec: .+\nRun `authspec --help` for usage.\n$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await runCli([])).code).toBe(2);
    const noEnvFile = await runCli(["run", "specs", "--env-file", "nope.env"], { env: env() });
    expect(noEnvFile.code).toBe(2);
    expect(noEnvFile.stdout).toContain("authspec: error cannot read --env-file nope.env: no such file (ENOENT)");
    // A report path below a regular file cannot be created.
    const unwritable = await runCli(["run", "specs/login.yaml", "--reporter", "json:package.json/r.json"], { env: env() });
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^authspec: cannot write the report package\.json\/r\.json: [a-z ]+ \(E[A-Z]+\)\n$/);
  });

  test("validate: exit 0 for the examples, 2 with file:line:col for broken files", async () => {
    const okRun = await runCli(["validate", "specs"]);
    expect(okRun.code).toBe(0);
    expect(okRun.stdout).toMatch(/^\d+ files valid\n$/);
    const t = tempDir({ "bad.yaml": "name: x\nsteps:\n  - name: a\n    request: { url: /x }\n    captrue: { t: $.t }\n" });
    try {
      const r = await runCli(["validate", t.dir], { cwd: t.dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("bad.yaml:5:5: error unknown key `captrue`; did you mean `capture`? (at /steps/0/captrue)\n\n1 problem in 1 file\n");
      const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
      const shown = /\$ authspec validate fixtures\/broken\.yaml\n([\s\S]*?)```/.exec(readme)![1];
      const broken = await runCli(["validate", "fixtures/broken.yaml"]);
      expect(broken.code).toBe(2);
      expect(broken.stdout).toBe(shown); // the README shows the real output
      const missing = await runCli(["validate", "nope.yaml"], { cwd: t.dir });
      expect(missing.code).toBe(2);
      expect(missing.stdout).toContain("no such file or directory: nope.yaml");
    } finally {
      t.cleanup();
    }
  });

  test("run: the example suites pass against the demo server (exit 0), a passing spec folded to one line, and a summary", async () => {
    const r = await runCli(["run", "specs"], { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ Log in and read the profile specs\/login\.yaml · 2 steps · \d+ ms\n✓ /m);
    expect(r.stdout).not.toContain("  ✓ log in");
    expect(r.stdout).toMatch(/\n\d+ passed, 0 failed, 0 skipped\n\d+ specs in [\d.]+ m?s\n$/);
    // --verbose unfolds: a line per step
    const v = await runCli(["run", "specs/login.yaml", "--verbose"], { env: env() });
    expect(v.stdout).toMatch(/^✓ Log in and read the profile specs\/login\.yaml · \d+ ms\n  ✓ log in  \d+ ms\n/m);
  });

  test("run: a failing step exits 1 and shows the request line, expected against actual and a body excerpt", async () => {
    const r = await runCli(["run", "specs/login.yaml", "--var", "username=bob"], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("  ✗ log in");
    expect(r.stdout).toContain("  - read the profile  skipped");
    expect(r.stdout).toContain(`Failures\n\n1) Log in and read the profile › log in  specs/login.yaml:9\n   POST ${demo.url}/auth → 401 Unauthorized\n   ✗ expected status one of 200, 201, got 401 Unauthorized\n`);
    expect(r.stdout).toContain("   response body (application/json; charset=utf-8):\n     {\"error\":\"invalid_credentials\"");
    expect(r.stdout).toMatch(/\n0 passed, 1 failed, 1 skipped\n/);
  });

  test("run: a missing environment variable is an error naming it (exit 2), before any request", async () => {
    demo.reset();
    const r = await runCli(["run", "specs/login.yaml"], { env: { API_URL: demo.url, API_PASSWORD: undefined } });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain("specs/login.yaml:14:55: error environment variable `API_PASSWORD` is not set (used as secrets.API_PASSWORD)");
    expect(demo.stats.requests).toBe(0);
  });

  test("colours: none with NO_COLOR or --no-color, forced with FORCE_COLOR", async () => {
    const plain = await runCli(["run", "specs/login.yaml", "--no-color"], { env: { ...env(), FORCE_COLOR: "1", NO_COLOR: undefined } });
    expect(plain.stdout).not.toMatch(/\u001b\[/);
    const forced = await runCli(["run", "specs/login.yaml"], { env: { ...env(), FORCE_COLOR: "1", NO_COLOR: undefined } });
    expect(forced.stdout).toMatch(/\u001b\[32m✓/);
  });

  test("reporters: json to stdout, junit and json to files", async () => {
    const t = tempDir();
    try {
      const j = await runCli(["run", "specs/login.yaml", "--reporter", "json"], { env: env() });
      expect(j.code).toBe(0);
      const doc = JSON.parse(j.stdout);
      expect(doc.tool).toEqual({ name: "authspec", version: VERSION });
      expect(doc.specs[0].steps.map((s: { captures: string[] }) => s.captures)).toEqual([["token", "requestId"], []]);
      const f = await runCli(["run", "specs", "--reporter", "console", "--reporter", `junit:${t.path("r/junit.xml")}`, "--reporter", "json", "--output", t.path("run.json")], { env: env() });
      expect(f.code).toBe(0);
      expect(readFileSync(t.path("r/junit.xml"), "utf8")).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites>/);
      expect(JSON.parse(readFileSync(t.path("run.json"), "utf8")).summary.steps.failed).toBe(0);
    } finally {
      t.cleanup();
    }
  });

  test("--verbose shows each request and response, credentials masked", async () => {
    const r = await runCli(["run", "specs/login.yaml", "--verbose"], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`      > POST ${demo.url}/auth\n      > x-client: authspec\n      > content-type: application/json\n      > {"username":"alice","password":"***"}\n      < HTTP/1.1 200 OK (`);
    expect(r.stdout).toContain(`      > GET ${demo.url}/me\n      > authorization: ***\n`);
    expect(r.stdout).toMatch(/ {6}< \{"token":"\*\*\*","token_type":"Bearer"/);
  });

  test("--base-url, --bail and --timeout reach the run", async () => {
    const t = tempDir({
      "1.yaml": "name: one\nsteps:\n  - name: missing\n    request: { url: /nope }\n",
      "2.yaml": "name: two\nsteps:\n  - name: health\n    request: { url: /health }\n",
    });
    try {
      const all = await runCli(["run", ".", "--base-url", demo.url, "--reporter", "json"], { cwd: t.dir });
      expect(JSON.parse(all.stdout).specs.map((s: { status: string }) => s.status)).toEqual(["failed", "passed"]);
      const bail = await runCli(["run", ".", "--base-url", demo.url, "--bail", "--jobs", "1", "--reporter", "json"], { cwd: t.dir });
      expect(bail.code).toBe(1);
      expect(JSON.parse(bail.stdout).specs.map((s: { status: string }) => s.status)).toEqual(["failed", "skipped"]);
      const slow = await startServer((_, res) => setTimeout(() => res.end("{}"), 1000));
      try {
        const timeout = await runCli(["run", "2.yaml", "--base-url", slow.url, "--timeout", "200"], { cwd: t.dir });
        expect(timeout.code).toBe(1);
        expect(timeout.stdout).toContain("   ✗ timed out after 200 ms\n");
      } finally {
        await slow.close();
      }
    } finally {
      t.cleanup();
    }
  });

  test("leak check: the password and the token never appear in any output, verbose or report", async () => {
    const t = tempDir();
    try {
      const outputs: string[] = [];
      for (const extra of [[], ["--var", "username=bob"]]) {
        const r = await runCli(
          ["run", "specs", "--verbose", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`, "--reporter", `junit:${t.path("r.xml")}`, ...extra],
          { env: { ...env() } },
        );
        expect(r.code).toBe(extra.length ? 1 : 0);
        outputs.push(r.stdout, r.stderr, readFileSync(t.path("r.json"), "utf8"), readFileSync(t.path("r.xml"), "utf8"));
      }
      const all = outputs.join("\n");
      expect(all).toContain("***"); // masking happened
      const tokens = demo.issuedTokens();
      expect(tokens.length).toBeGreaterThan(0);
      for (const secret of ["wonderland", "demo-secret", CLIENT_BASIC, "demo-key-passphrase", ...tokens]) {
        for (const form of [secret, Buffer.from(secret).toString("base64"), encodeURIComponent(secret)]) expect(all).not.toContain(form);
      }
    } finally {
      t.cleanup();
    }
  });
});

test("ROOT is the repository", () => {
  expect(readFileSync(`${ROOT}/package.json`, "utf8")).toContain('"name": "authspec"');
});
