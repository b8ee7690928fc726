// Hostile servers and network faults (fixtures/fault-server.ts): each fails its step with a one-line
// reason, the run goes on, the reports are written, memory stays bounded; Ctrl-C aborts cleanly (130).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ValidateFunction } from "ajv";
import { startFaultServer, type FaultServer } from "../fixtures/fault-server.js";
import { run, type RunResult } from "../src/index.js";
import generatedValidateReport from "../src/generated/validate-report.js";
import { ROOT, runCli, tempDir } from "./helpers.js";

const validateReport = generatedValidateReport as unknown as ValidateFunction;
const JUNIT_XSD = join(ROOT, "../shared/junit/JUnit.xsd");

/** The JUnit report validates against the Ant JUnit XSD (as CI checks it). */
function expectJUnitValid(file: string): void {
  const r = spawnSync("/usr/bin/xmllint", ["--noout", "--schema", JUNIT_XSD, file], { encoding: "utf8" });
  expect(`${r.stdout}${r.stderr}`).toContain("validates");
  expect(r.status).toBe(0);
}
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

let f: FaultServer;
beforeAll(async () => {
  f = await startFaultServer();
});
afterAll(() => f.close());

const spec = (name: string, url: string, extra = "", expectBody = true) =>
  `name: ${name}\nsteps:\n  - name: ${name} step\n    request:\n      url: "${url}"\n      timeout: 1500\n${extra}` +
  (expectBody ? `    expect:\n      body:\n        $.token: { exists: true }\n` : "") +
  `  - name: after ${name}\n    request: { url: "${url}" }\n`;

/** Each fault, its spec and the exact one-line reason its first step fails with (PORT = the server's port). */
const FAULTS: { file: string; url: (f: FaultServer) => string; extra?: string; reason: (f: FaultServer) => string[] }[] = [
  { file: "01-refused.yaml", url: (f) => `${f.refusedUrl}/x`, reason: (f) => [`connection refused (${host(f.refusedUrl)}) [ECONNREFUSED]`] },
  { file: "02-silent.yaml", url: (f) => `${f.silentUrl}/x`, reason: () => ["timed out after 1500 ms"] },
  { file: "03-hang.yaml", url: (f) => `${f.url}/hang`, reason: () => ["timed out after 1500 ms"] },
  { file: "04-reset.yaml", url: (f) => `${f.url}/reset`, reason: (f) => [`connection reset by the server (${host(f.url)}) [ECONNRESET]`] },
  { file: "05-drip.yaml", url: (f) => `${f.url}/drip`, reason: () => ["timed out after 1500 ms"] },
  {
    file: "06-truncated-json.yaml",
    url: (f) => `${f.url}/truncated-json`,
    reason: () => ["the response body is not JSON (application/json): Unterminated string in JSON at position 14"],
  },
  {
    file: "07-html.yaml",
    url: (f) => `${f.url}/html`,
    reason: () => ["expected status 2xx, got 502 Bad Gateway", `the response body is not JSON (text/html): Unexpected token '<', "<!DOCTYPE "... is not valid JSON`],
  },
  {
    file: "08-huge-length.yaml",
    url: (f) => `${f.url}/huge-length`,
    reason: () => ["response body larger than maxResponseSize (10 MB): Content-Length is 5368709120 bytes"],
  },
  {
    file: "09-endless.yaml",
    url: (f) => `${f.url}/endless`,
    extra: "      maxResponseSize: 1048576\n",
    reason: () => ["response body larger than maxResponseSize (1 MB): more than 1048576 bytes received"],
  },
  {
    file: "10-gzip-bomb.yaml",
    url: (f) => `${f.url}/gzip-bomb`,
    reason: () => ["response body larger than maxResponseSize (10 MB): it decompresses (gzip) past the limit"],
  },
  {
    file: "11-redirect-loop.yaml",
    url: (f) => `${f.url}/loop`,
    extra: "      followRedirects: true\n",
    reason: (f) => [`too many redirects (${host(f.url)}) [ERR_TOO_MANY_REDIRECTS]`],
  },
  {
    file: "12-huge-header.yaml",
    url: (f) => `${f.url}/huge-header`,
    reason: (f) => [`response headers too large (${host(f.url)}) [HPE_HEADER_OVERFLOW]`],
  },
  {
    file: "13-self-signed.yaml",
    url: (f) => `${f.selfSignedUrl}/`,
    reason: (f) => [`TLS certificate is self-signed and not trusted (${host(f.selfSignedUrl)}) [DEPTH_ZERO_SELF_SIGNED_CERT]`],
  },
  {
    file: "14-expired.yaml",
    url: (f) => `${f.expiredUrl}/`,
    reason: (f) => [`TLS certificate has expired (${host(f.expiredUrl)}) [CERT_HAS_EXPIRED]`],
  },
];
const host = (url: string) => new URL(url).host;

const stepFailures = (r: Pick<RunResult, "specs">) => Object.fromEntries(r.specs.map((s) => [s.name, s.steps[0]!.failures.map((x) => x.message)]));

describe("hostile servers and network faults", () => {
  test("through the CLI: every fault fails its step with a one-line reason, the other specs still run, the reports are written (exit 1)", async () => {
    const files: Record<string, string> = { "00-good.yaml": spec("good", `${f.url}/ok`, "", false), "99-good.yaml": spec("last good", `${f.url}/ok`, "", false) };
    for (const c of FAULTS) files[c.file] = spec(c.file.replace(/^\d+-|\.yaml$/g, ""), c.url(f), c.extra);
    const t = tempDir(files);
    try {
      const r = await runCli(["run", ".", "--reporter", "console", "--reporter", `json:${t.path("out/r.json")}`, "--reporter", `junit:${t.path("out/r.xml")}`], { cwd: t.dir });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(1);
      const report = JSON.parse(readFileSync(t.path("out/r.json"), "utf8")) as RunResult;
      expect(validateReport(report)).toBe(true);
      const expected: Record<string, string[]> = { good: [], "last good": [] };
      for (const c of FAULTS) expected[c.file.replace(/^\d+-|\.yaml$/g, "")] = c.reason(f);
      expect(stepFailures(report)).toEqual(expected);
      expect(report.summary.specs).toEqual({ total: FAULTS.length + 2, passed: 2, failed: FAULTS.length, skipped: 0 });
      // The console names each failing step, with each reason on one line; no stack trace anywhere.
      for (const c of FAULTS) {
        const name = c.file.replace(/^\d+-|\.yaml$/g, "");
        expect(r.stdout).toContain(`  ✗ ${name} step`);
        expect(r.stdout).toContain(`  - after ${name}  skipped`);
        for (const reason of c.reason(f)) expect(r.stdout).toContain(`   ✗ ${reason}\n`);
      }
      expect(r.stdout).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expectJUnitValid(t.path("out/r.xml"));
      const xml = readFileSync(t.path("out/r.xml"), "utf8");
      expect(xml.match(/<failure /g)?.length).toBe(FAULTS.length);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  test("a redirect to another origin never carries the credentials (got strips Authorization and Cookie)", async () => {
    f.otherRequests.length = 0;
    const t = tempDir({
      "r.yaml":
        `name: cross-origin\nsteps:\n  - name: follow\n    request:\n      url: "${f.url}/to-other"\n      followRedirects: true\n` +
        `      headers: { Authorization: "Bearer cross-origin-secret", Cookie: "sid=cookie-secret-value" }\n` +
        `    expect:\n      status: 200\n      body:\n        $.receivedAuthorization: null\n        $.receivedCookie: null\n`,
    });
    try {
      const r = await run(["r.yaml"], { cwd: t.dir });
      expect(stepFailures(r)).toEqual({ "cross-origin": [] });
      expect(f.otherRequests).toHaveLength(1);
      expect(f.otherRequests[0]!.headers.authorization).toBeUndefined();
      expect(f.otherRequests[0]!.headers.cookie).toBeUndefined();
      // Same origin: the request that was redirected did carry them.
      expect(f.requests.filter((q) => q.url === "/to-other").at(-1)!.headers.authorization).toBe("Bearer cross-origin-secret");
    } finally {
      t.cleanup();
    }
  });

  test("trusted, the faults pass: a self-signed certificate with tls.ca, an expired one only with tls.insecure (with its warning)", async () => {
    const TLS = join(ROOT, "fixtures/tls");
    const one = (name: string, url: string, tls: string) =>
      `name: ${name}\nsteps:\n  - name: ${name} step\n    request:\n      url: "${url}/"\n      timeout: 1500\n      tls: ${tls}\n    expect:\n      body: { $.ok: true }\n`;
    const t = tempDir({
      "a-self-signed-ca.yaml": one("self-signed with its cert as CA", f.selfSignedUrl, `{ ca: "${TLS}/self-signed.crt" }`),
      "b-self-signed-other-ca.yaml": one("self-signed with another CA", f.selfSignedUrl, `{ ca: "${TLS}/demo-ca.crt" }`),
      "c-expired-ca.yaml": one("expired with its issuer as CA", f.expiredUrl, `{ ca: "${TLS}/test-ca.crt" }`),
      "d-expired-insecure.yaml": one("expired and insecure", f.expiredUrl, "{ insecure: true }"),
      "e-self-signed-insecure.yaml": `${one("self-signed and insecure", f.selfSignedUrl, "{ insecure: true }")}  - name: again\n    request: { url: "${f.selfSignedUrl}/", tls: { insecure: true } }\n`,
    });
    try {
      const r = await runCli(["run", ".", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`], { cwd: t.dir });
      expect(r.code).toBe(1);
      const report = JSON.parse(readFileSync(t.path("r.json"), "utf8")) as RunResult;
      expect(validateReport(report)).toBe(true);
      expect(stepFailures(report)).toEqual({
        "self-signed with its cert as CA": [],
        // Trusting a CA never makes a certificate that CA did not issue pass, nor an expired one.
        "self-signed with another CA": [`TLS certificate is self-signed and not trusted (${host(f.selfSignedUrl)}) [DEPTH_ZERO_SELF_SIGNED_CERT]`],
        "expired with its issuer as CA": [`TLS certificate has expired (${host(f.expiredUrl)}) [CERT_HAS_EXPIRED]`],
        "expired and insecure": [],
        "self-signed and insecure": [],
      });
      // The warning: once per spec file that sets insecure, on stderr, never for the others.
      expect(r.stderr).toBe(
        "warning: d-expired-insecure.yaml: tls.insecure is set: server certificates are not verified\n" +
          "warning: e-self-signed-insecure.yaml: tls.insecure is set: server certificates are not verified\n",
      );
    } finally {
      t.cleanup();
    }
  }, 30_000);

  test("trustRedirects: true carries Authorization and Cookie to another origin; by default neither a header nor `auth` does", async () => {
    f.otherRequests.length = 0;
    const step = (name: string, extra: string) =>
      `  - name: ${name}\n    request:\n      url: "${f.url}/to-other"\n      followRedirects: true\n${extra}`;
    const t = tempDir({
      "r.yaml":
        "name: trusted redirects\nsteps:\n" +
        step("trusted headers", `      trustRedirects: true\n      headers: { Authorization: "Bearer trusted-secret", Cookie: "sid=trusted-cookie" }\n`) +
        step("trusted auth", `      trustRedirects: true\n    auth: { basic: { username: u, password: trusted-pw } }\n`) +
        step("default auth", `    auth: { basic: { username: u, password: untrusted-pw } }\n`) +
        step("explicit false", `      trustRedirects: false\n    auth: { bearer: untrusted-bearer }\n`),
    });
    try {
      const r = await run(["r.yaml"], { cwd: t.dir });
      expect(r.specs[0]!.steps.map((s) => [s.name, s.status])).toEqual([
        ["trusted headers", "passed"], ["trusted auth", "passed"], ["default auth", "passed"], ["explicit false", "passed"],
      ]);
      expect(f.otherRequests.map((q) => [q.headers.authorization ?? null, q.headers.cookie ?? null])).toEqual([
        ["Bearer trusted-secret", "sid=trusted-cookie"],
        [`Basic ${Buffer.from("u:trusted-pw").toString("base64")}`, null],
        [null, null],
        [null, null],
      ]);
      // The first hop (same origin) carried them every time.
      expect(f.requests.filter((q) => q.url === "/to-other").slice(-2).map((q) => q.headers.authorization)).toEqual([
        `Basic ${Buffer.from("u:untrusted-pw").toString("base64")}`, "Bearer untrusted-bearer",
      ]);
    } finally {
      t.cleanup();
    }
  });

  test("maxResponseSize: the body is never buffered past the limit, for an endless body, a 5 GB Content-Length and a gzip bomb", async () => {
    const t = tempDir({
      "a.yaml": spec("endless", `${f.url}/endless`),
      "b.yaml": spec("huge", `${f.url}/huge-length`),
      "c.yaml": spec("bomb", `${f.url}/gzip-bomb`),
      "d.yaml": spec("fits", `${f.url}/ok`, "      maxResponseSize: 11\n", false),
      "e.yaml": spec("too small", `${f.url}/ok`, "      maxResponseSize: 10\n", false),
      // A HEAD response has no body, whatever its Content-Length says.
      "f.yaml": `name: head\nsteps:\n  - name: head\n    request: { url: "${f.url}/huge-length", method: HEAD, maxResponseSize: 10 }\n`,
    });
    try {
      f.bytesSent.length = 0;
      const before = process.memoryUsage();
      const r = await run(["."], { cwd: t.dir, maxResponseSize: 2 * 1024 * 1024 });
      const after = process.memoryUsage();
      expect(stepFailures(r)).toEqual({
        endless: ["response body larger than maxResponseSize (2 MB): more than 2097152 bytes received"],
        huge: ["response body larger than maxResponseSize (2 MB): Content-Length is 5368709120 bytes"],
        bomb: ["response body larger than maxResponseSize (2 MB): it decompresses (gzip) past the limit"],
        fits: [],
        "too small": ["response body larger than maxResponseSize (10 bytes): more than 10 bytes received"],
        head: [],
      });
      await new Promise((r) => setTimeout(r, 100)); // let the server see the closed connections
      // What the server managed to write before the client hung up: the limit plus socket buffers.
      expect(f.bytesSent).toHaveLength(3);
      for (const n of f.bytesSent) expect(n).toBeLessThan(2 * 1024 * 1024 + 8 * 1024 * 1024);
      // The 100 MB of the bomb were never inflated (a generous bound: the heap, not an exact figure).
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
    } finally {
      t.cleanup();
    }
  });

  test("a token step takes the spec's defaults too: maxResponseSize and timeout", async () => {
    const token = (name: string, path: string) => `name: ${name}
defaults: { maxResponseSize: 1000, timeout: 300 }
steps:
  - name: ${name}
    oauth2: { tokenUrl: "${f.url}${path}", clientId: c, clientSecret: token-limit-secret }
`;
    const t = tempDir({ "a.yaml": token("endless token response", "/endless"), "b.yaml": token("never answered", "/hang") });
    try {
      const r = await run(["."], { cwd: t.dir });
      expect(stepFailures(r)).toEqual({
        "endless token response": ["response body larger than maxResponseSize (1000 bytes): more than 1000 bytes received"],
        "never answered": [expect.stringMatching(/^timed out after 300 ms/)],
      });
    } finally {
      t.cleanup();
    }
  });

  test("maxResponseSize: positive whole bytes only, in the spec, the API and the CLI", async () => {
    const bad = await run(["specs"], { cwd: ROOT, maxResponseSize: 0 });
    expect(bad.exitCode).toBe(2);
    expect(bad.diagnostics.map((d) => d.message)).toEqual(["maxResponseSize must be a positive whole number of bytes, got 0"]);
    const cli = await runCli(["run", "specs", "--max-response-size", "10MB"]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toBe('authspec: --max-response-size expects a positive number of bytes, got "10MB"\nRun `authspec --help` for usage.\n');
    const t = tempDir({ "s.yaml": `name: s\ndefaults: { maxResponseSize: 1.5 }\nsteps:\n  - name: a\n    request: { url: "${f.url}/ok", maxResponseSize: 0 }\n` });
    try {
      const v = await runCli(["validate", "s.yaml"], { cwd: t.dir });
      expect(v.code).toBe(2);
      expect(v.stdout).toBe(
        "s.yaml:2:30: error `maxResponseSize` must be an integer, got number 1.5 (at /defaults/maxResponseSize)\n" +
          "s.yaml:5:67: error `maxResponseSize` must be >= 1, got 0 (at /steps/0/request/maxResponseSize)\n\n2 problems in 1 file\n",
      );
      const ok = await runCli(["run", "s.yaml", "--max-response-size", "5"], { cwd: t.dir });
      expect(ok.code).toBe(2); // still invalid: nothing sent
    } finally {
      t.cleanup();
    }
  });

  test("--reporter console:FILE writes the console report to the file, so stdout holds only the JSON report", async () => {
    const t = tempDir({ "a.yaml": spec("refused", `${f.refusedUrl}/x`) });
    try {
      const r = await runCli(["run", "a.yaml", "--reporter", `console:${t.path("out/console.txt")}`, "--reporter", "json"], { cwd: t.dir });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as RunResult;
      expect(validateReport(report)).toBe(true);
      const text = readFileSync(t.path("out/console.txt"), "utf8");
      expect(text).toContain(`   ✗ connection refused (${host(f.refusedUrl)}) [ECONNREFUSED]\n`);
      expect(text).toMatch(/\n0 passed, 1 failed, 1 skipped\n1 spec \(1 failed\) in [\d.]+ m?s\n$/);
    } finally {
      t.cleanup();
    }
  });

  test("an exception outside the run's promise chain is an internal error (exit 3, one line, no stack trace)", async () => {
    const t = tempDir({ "a.yaml": `name: a\nsteps:\n  - name: waits\n    request: { url: "${f.url}/hang", timeout: 10000 }\n` });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
      delete env.NODE_OPTIONS;
      // A stray throw from a timer, as a bug in a dependency's event handler would be.
      const bomb = "data:text/javascript,setTimeout(() => { throw new Error('stray failure'); }, 1500);";
      const child = spawn(process.execPath, ["--import", bomb, "--import", TSX, "--", join(ROOT, "src/cli.ts"), "run", "a.yaml"], { cwd: t.dir, env });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.resume();
      const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
      expect(stderr).toBe("authspec: internal error: stray failure\n(set AUTHSPEC_DEBUG=1 for a stack trace; please report it)\n");
      expect(code).toBe(3);
    } finally {
      t.cleanup();
    }
  }, 30_000);

  test("a reader that closes stdout early (`authspec run | head`): no stack trace, the run completes, reports and exit code intact", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 30; i++) files[`${String(i).padStart(2, "0")}.yaml`] = spec(`s${i}`, `${f.url}/ok`, "", i !== 29);
    const t = tempDir(files);
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
      delete env.NODE_OPTIONS;
      const child = spawn(process.execPath, ["--import", TSX, "--", join(ROOT, "src/cli.ts"), "run", ".", "--verbose", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`], { cwd: t.dir, env });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.stdout.once("data", () => child.stdout.destroy());
      const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
      expect(stderr).toBe("");
      expect(code).toBe(1); // the real result: 29 specs expect a token /ok does not have
      const report = JSON.parse(readFileSync(t.path("r.json"), "utf8")) as RunResult;
      expect(report.summary.specs).toEqual({ total: 30, passed: 1, failed: 29, skipped: 0 });
    } finally {
      t.cleanup();
    }
  }, 30_000);

  test.each([
    ["SIGINT", 130, "interrupted", "Ctrl-C"],
    ["SIGTERM", 143, "terminated (SIGTERM)", "SIGTERM"],
  ] as const)("%s during a run: the request in flight is aborted, the reports are completed and valid, exit %i", async (sig, exitCode, how, again) => {
    const t = tempDir({
      "1.yaml": spec("first", `${f.url}/ok`, "", false),
      "2.yaml": `name: second\nsteps:\n  - name: waits\n    request: { url: "${f.url}/hang?${sig}", timeout: 60000 }\n  - name: never\n    request: { url: "${f.url}/ok" }\n`,
      "3.yaml": spec("third", `${f.url}/ok`, "", false),
    });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
      delete env.NODE_OPTIONS;
      delete env.FORCE_COLOR;
      const child = spawn(
        process.execPath,
        ["--import", TSX, "--", join(ROOT, "src/cli.ts"), "run", ".", "--jobs", "1", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`, "--reporter", `junit:${t.path("r.xml")}`],
        { cwd: t.dir, env },
      );
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
      const deadline = Date.now() + 15_000;
      while (!f.requests.some((q) => q.url === `/hang?${sig}`) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const sentAt = Date.now();
      child.kill(sig);
      const code = await exited;
      expect(Date.now() - sentAt).toBeLessThan(5000); // not the 60 s timeout
      expect(code).toBe(exitCode);
      expect(stderr).toBe(`\nauthspec: ${how}: aborting the requests in flight and writing the reports (${again} again to quit at once)\n`);
      const report = JSON.parse(readFileSync(t.path("r.json"), "utf8")) as RunResult;
      expect(validateReport(report)).toBe(true);
      expect(report.interrupted).toBe(true);
      expect(report.exitCode).toBe(1);
      expect(report.specs.map((s) => [s.name, s.status, s.steps.map((st) => st.status)])).toEqual([
        ["first", "passed", ["passed", "passed"]],
        ["second", "failed", ["failed", "skipped"]],
        ["third", "skipped", ["skipped", "skipped"]],
      ]);
      expect(report.specs[1]!.steps[0]!.failures[0]!.message).toBe(`aborted: the run was interrupted (${host(f.url)}) [ERR_ABORTED]`);
      expect(existsSync(t.path("r.xml"))).toBe(true);
      expectJUnitValid(t.path("r.xml"));
      expect(stdout).toContain("Interrupted: the requests in flight were aborted and the remaining steps skipped");
      expect(stdout).toMatch(/\n2 passed, 1 failed, 3 skipped\n/);
    } finally {
      t.cleanup();
    }
  }, 30_000);
});
