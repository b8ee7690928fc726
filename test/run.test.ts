import { run, Redactor, type RunResult } from "../src/index.js";
import { startDemoServer, type DemoServer } from "../fixtures/demo-server.js";
import { json, startServer, tempDir, type TestServer } from "./helpers.js";
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

let demo: DemoServer;
let api: TestServer;

beforeAll(async () => {
  demo = await startDemoServer();
  // A second server for what the demo server does not do: echo, redirects, cookies, slow and odd responses.
  api = await startServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    switch (url.pathname) {
      case "/api/echo":
        return json(res, 200, { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body: req.body }, { "x-request-id": "req-123" });
      case "/session":
        return json(res, 200, { ok: true, next: "https://app/callback?code=abc123&state=xyz" }, { "set-cookie": ["sid=session-cookie-value-42; Path=/; HttpOnly", "theme=dark; Path=/"] });
      case "/redirect":
        res.writeHead(302, { location: "/api/echo?redirected=1" });
        return res.end();
      case "/html":
        res.writeHead(500, { "content-type": "text/html" });
        return res.end("<html><body>Internal Server Error</body></html>");
      case "/slow":
        setTimeout(() => json(res, 200, { slow: true }), 300);
        return;
      default:
        return json(res, 404, { error: "not_found" });
    }
  });
});
afterAll(async () => {
  await demo.close();
  await api.close();
});
beforeEach(() => {
  demo.reset();
  api.requests.length = 0;
});

async function runSpecs(files: Record<string, string>, opts: Parameters<typeof run>[1] = {}): Promise<RunResult> {
  const t = tempDir(files);
  try {
    return await run(Object.keys(files).map((f) => t.path(f)), {
      cwd: t.dir,
      env: { API_URL: demo.url, ECHO_URL: api.url, API_PASSWORD: "wonderland" },
      ...opts,
    });
  } finally {
    t.cleanup();
  }
}

const failures = (r: RunResult) => {
  expect(r.diagnostics).toEqual([]);
  return r.specs.flatMap((s) => s.steps.flatMap((st) => st.failures.map((f) => `${st.name}: ${f.message}`)));
};
const statuses = (r: RunResult) => r.specs.flatMap((s) => s.steps.map((st) => `${st.name}:${st.status}`));

describe("running specs against real servers", () => {
  test("log in, capture the token, call a protected endpoint with it", async () => {
    const r = await runSpecs({
      "login.yaml": `name: login
baseUrl: \${{ env.API_URL }}
variables: { username: alice }
steps:
  - name: log in
    request:
      method: POST
      url: /auth
      json: { username: "\${{ username }}", password: "\${{ secrets.API_PASSWORD }}" }
    expect:
      status: 200
      body: { $.token: { type: string }, $.user.name: "\${{ username }}" }
    capture: { token: $.token, rid: { header: x-request-id } }
  - name: me
    request: { url: /me, headers: { Authorization: "Bearer \${{ token }}" } }
    expect: { status: 200, body: { $.user.name: alice } }
`,
    });
    expect(failures(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.specs[0]!.steps.map((s) => s.captures)).toEqual([["token", "rid"], []]);
    expect(r.specs[0]!.steps.map((s) => s.line)).toEqual([5, 14]);
    expect(demo.stats.logins).toBe(1);
    expect(demo.stats.byPath["/me"]).toBe(1);
  });

  test("query, headers, json/form/raw bodies and baseUrl paths are sent as written", async () => {
    const r = await runSpecs({
      "echo.yaml": `name: echo
baseUrl: \${{ env.ECHO_URL }}/api
variables: { n: 7 }
steps:
  - name: json
    request:
      method: PUT
      url: /echo?x=1
      query: { page: "\${{ n }}", q: a b }
      headers: { X-Num: 5 }
      json: { n: "\${{ n }}", s: "n=\${{ n }}" }
    expect:
      body:
        $.method: PUT
        $.path: /api/echo
        $.query: { equals: { x: "1", page: "7", q: "a b" } }
        $.headers['x-num']: "5"
        $.headers['content-type']: application/json
        $.body: '{"n":7,"s":"n=7"}'
  - name: form
    request: { method: POST, url: echo, form: { grant_type: client_credentials, scope: "read write" } }
    expect:
      body:
        $.headers['content-type']: application/x-www-form-urlencoded
        $.body: grant_type=client_credentials&scope=read+write
  - name: raw
    request: { method: PATCH, url: "\${{ env.ECHO_URL }}/api/echo", body: "plain \${{ n }}", headers: { Content-Type: text/plain } }
    expect:
      body:
        $.body: plain 7
        $.headers['content-type']: text/plain
  - name: head
    request: { method: HEAD, url: /echo }
    expect: { status: 200 }
`,
    });
    expect(failures(r)).toEqual([]);
    expect(api.requests.map((q) => `${q.method} ${q.url}`)).toEqual([
      "PUT /api/echo?x=1&page=7&q=a+b",
      "POST /api/echo",
      "PATCH /api/echo",
      "HEAD /api/echo",
    ]);
  });

  test("captures from headers, cookies and regexes; one-pass rendering of captured data", async () => {
    const r = await runSpecs({
      "cap.yaml": `name: captures
baseUrl: \${{ env.ECHO_URL }}
steps:
  - name: session
    request: { url: /session }
    capture:
      sid: { cookie: sid }
      code: { jsonpath: $.next, regex: "code=(\\\\w+)" }
      rid: { header: content-type, regex: "^[a-z]+" }
  - name: use them
    request: { url: "/api/echo?code=\${{ code }}", headers: { Cookie: "sid=\${{ sid }}", X-Rid: "\${{ rid }}" } }
    expect:
      body:
        $.query.code: abc123
        $.headers.cookie: sid=session-cookie-value-42
        $.headers['x-rid']: application
`,
    });
    expect(failures(r)).toEqual([]);
  });

  test("every failed expectation is reported; later steps are skipped", async () => {
    const r = await runSpecs({
      "f.yaml": `name: failing
baseUrl: \${{ env.API_URL }}
steps:
  - name: wrong password
    request: { method: POST, url: /auth, json: { username: alice, password: nope } }
    expect:
      status: 200
      headers: { content-type: { matches: "^text/html" }, x-missing: { exists: true } }
      body: { $.token: { type: string }, $.error: invalid_credentials }
      schema: { type: object, required: [token] }
    capture: { token: $.token }
  - name: me
    request: { url: /me, headers: { Authorization: "Bearer \${{ token }}" } }
`,
    });
    expect(r.exitCode).toBe(1);
    expect(statuses(r)).toEqual(["wrong password:failed", "me:skipped"]);
    expect(failures(r)).toEqual([
      "wrong password: expected status 200, got 401 Unauthorized",
      'wrong password: header content-type: expected a match for /^text/html/, got "application/json; charset=utf-8"',
      "wrong password: header x-missing: expected a value, got nothing",
      "wrong password: $.token: expected a value, got nothing",
      "wrong password: schema: (root) must have required property 'token'",
      "wrong password: capture token: $.token matched nothing",
    ]);
    const step = r.specs[0]!.steps[0]!;
    expect(step.request).toEqual({ method: "POST", url: `${demo.url}/auth` });
    expect(step.response?.status).toBe(401);
    expect(step.response?.bodyExcerpt).toContain("invalid_credentials");
    expect(r.summary.steps).toEqual({ total: 2, passed: 0, failed: 1, skipped: 1 });
  });

  test("a body that is not JSON, a slow response, a refused connection and a timeout are step failures", async () => {
    const r = await runSpecs({
      "a.yaml": `name: html
steps:
  - name: html error page
    request: { url: "\${{ env.ECHO_URL }}/html" }
    expect: { status: 5xx, body: { $.error: x } }
`,
      "b.yaml": `name: slow
steps:
  - name: too slow
    request: { url: "\${{ env.ECHO_URL }}/slow" }
    expect: { maxDuration: 50 }
  - name: timeout
    request: { url: "\${{ env.ECHO_URL }}/slow", timeout: 100 }
`,
      "c.yaml": `name: refused
steps:
  - name: nobody listens
    request: { url: "http://127.0.0.1:9/x" }
`,
    });
    expect(r.exitCode).toBe(1);
    const f = failures(r);
    expect(f[0]).toMatch(/^html error page: the response body is not JSON \(text\/html\): Unexpected token/);
    expect(f[1]).toMatch(/^too slow: expected a response within 50 ms, took \d+ ms$/);
    expect(r.specs[1]!.steps[1]!.status).toBe("skipped");
    expect(f[2]).toBe("nobody listens: connection refused (127.0.0.1:9) [ECONNREFUSED]");
    const t = await runSpecs({ "t.yaml": `name: t\nsteps:\n  - name: timeout\n    request: { url: "\${{ env.ECHO_URL }}/slow", timeout: 100 }\n` });
    expect(failures(t)).toEqual(["timeout: timed out after 100 ms"]);
    const d = await runSpecs({ "t.yaml": `name: t\nsteps:\n  - name: timeout\n    request: { url: "\${{ env.ECHO_URL }}/slow" }\n` }, { timeoutMs: 50 });
    expect(failures(d)).toEqual(["timeout: timed out after 50 ms"]);
  });

  test("unsupported and invalid URLs fail the step with the reason", async () => {
    const r = await runSpecs({
      "u.yaml": `name: urls\nsteps:\n  - name: ftp\n    request: { url: "ftp://127.0.0.1/x" }\n`,
      "v.yaml": `name: urls2\nsteps:\n  - name: bad host\n    request: { url: "http://[::1/x" }\n`,
    });
    expect(failures(r)).toEqual([
      'ftp: unsupported URL "ftp://127.0.0.1/x": use http:// or https://',
      "bad host: invalid URL [ERR_INVALID_URL]",
    ]);
  });

  test("redirects are not followed unless asked", async () => {
    const r = await runSpecs({
      "r.yaml": `name: redirects
baseUrl: \${{ env.ECHO_URL }}
steps:
  - name: not followed
    request: { url: /redirect }
    expect: { status: 302, headers: { location: /api/echo?redirected=1 } }
  - name: followed
    request: { url: /redirect, followRedirects: true }
    expect: { status: 200, body: { $.query.redirected: "1" } }
`,
    });
    expect(failures(r)).toEqual([]);
  });

  test("--var overrides variables, --base-url overrides baseUrl, env files feed env and secrets", async () => {
    const t = tempDir({
      "v.yaml": `name: vars
baseUrl: http://127.0.0.1:9/wrong
variables: { username: bob }
steps:
  - name: log in
    request: { method: POST, url: /auth, json: { username: "\${{ username }}", password: "\${{ secrets.PW }}" } }
    expect: { body: { $.user.name: alice } }
`,
      "test.env": "# comment\nexport PW='wonderland'\nOTHER=x # trailing\n",
    });
    try {
      const r = await run([t.path("v.yaml")], { cwd: t.dir, env: {}, vars: { username: "alice" }, baseUrl: demo.url, envFiles: [t.path("test.env")] });
      expect(failures(r)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });

  test("a missing environment variable stops the run before any request, with its position", async () => {
    const r = await runSpecs(
      {
        "m.yaml": `name: missing env
steps:
  - name: a
    request: { url: "\${{ env.API_URL }}/health" }
  - name: b
    request: { url: "\${{ env.API_URL }}/me", headers: { Authorization: "Bearer \${{ secrets.NOT_SET }}" } }
`,
      },
      { env: { API_URL: demo.url } },
    );
    expect(r.exitCode).toBe(2);
    expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toEqual([
      "m.yaml:6:80: environment variable `NOT_SET` is not set (used as secrets.NOT_SET)",
    ]);
    expect(demo.stats.requests).toBe(0);
  });

  test("a relative url without any baseUrl is an error at run start, unless --base-url gives one", async () => {
    const files = { "r.yaml": `name: r\nsteps:\n  - name: a\n    request: { url: /health }\n  - name: b\n    request: { url: "\${{ env.API_URL }}/health" }\n` };
    const r = await runSpecs(files);
    expect(r.exitCode).toBe(2);
    expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toEqual([
      "r.yaml:4:21: relative url `/health` needs a baseUrl: set `baseUrl` in the spec or pass --base-url",
    ]);
    expect(demo.stats.requests).toBe(0);
    expect(failures(await runSpecs(files, { baseUrl: demo.url }))).toEqual([]);
  });

  test("TLS certificates are verified: a self-signed certificate fails the step, naming the problem", async () => {
    const tls = new URL("../fixtures/tls/", import.meta.url);
    const server = createHttpsServer({ key: readFileSync(new URL("self-signed.key", tls)), cert: readFileSync(new URL("self-signed.crt", tls)) }, (_, res) => json(res, 200, { ok: true }));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as AddressInfo).port;
      const r = await runSpecs({ "t.yaml": `name: tls\nsteps:\n  - name: https\n    request: { url: "https://127.0.0.1:${port}/" }\n` });
      expect(failures(r)).toEqual([`https: TLS certificate is self-signed and not trusted (127.0.0.1:${port}) [DEPTH_ZERO_SELF_SIGNED_CERT]`]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test("invalid specs: nothing is sent, exit code 2", async () => {
    const r = await runSpecs({
      "good.yaml": `name: good\nsteps:\n  - name: a\n    request: { url: "\${{ env.API_URL }}/health" }\n`,
      "bad.yaml": `name: bad\nsteps:\n  - name: a\n    request: { url: /x, methd: GET }\n`,
    });
    expect(r.exitCode).toBe(2);
    expect(r.specs).toEqual([]);
    expect(r.diagnostics[0]!.message).toBe("unknown key `methd`; did you mean `method`?");
    expect(demo.stats.requests).toBe(0);
  });

  test("--bail starts no further spec after a failed one", async () => {
    const spec = (name: string, path: string) => `name: ${name}\nsteps:\n  - name: s\n    request: { url: "\${{ env.API_URL }}${path}" }\n`;
    const files = { "1.yaml": spec("one", "/health"), "2.yaml": spec("two", "/nope"), "3.yaml": spec("three", "/health") };
    const bail = await runSpecs(files, { bail: true, jobs: 1 });
    expect(bail.specs.map((s) => s.status)).toEqual(["passed", "failed", "skipped"]);
    expect(demo.stats.requests).toBe(2);
    const all = await runSpecs(files);
    expect(all.specs.map((s) => s.status)).toEqual(["passed", "failed", "passed"]);
  });

  test("one keep-alive agent per run: many requests, few connections", async () => {
    const steps = Array.from({ length: 50 }, (_, i) => `  - name: s${i}\n    request: { url: /api/echo }\n`).join("");
    const before = api.connections;
    const r = await runSpecs({
      "a.yaml": `name: a\nbaseUrl: \${{ env.ECHO_URL }}\nsteps:\n${steps}`,
      "b.yaml": `name: b\nbaseUrl: \${{ env.ECHO_URL }}\nsteps:\n${steps}`,
    });
    expect(r.exitCode).toBe(0);
    expect(api.requests).toHaveLength(100);
    expect(api.connections - before).toBeLessThanOrEqual(2);
  });

  test("secrets, captures and credential headers are registered with the run's redactor", async () => {
    const redactor = new Redactor();
    const r = await runSpecs(
      {
        "s.yaml": `name: s
baseUrl: \${{ env.API_URL }}
steps:
  - name: log in
    request: { method: POST, url: /auth, json: { username: alice, password: "\${{ secrets.API_PASSWORD }}" } }
    capture: { token: $.token, type: { jsonpath: $.token_type, secret: false } }
  - name: me
    request: { url: /me, headers: { Authorization: "Bearer \${{ token }}" } }
`,
      },
      { redactor },
    );
    expect(failures(r)).toEqual([]);
    const [token] = demo.issuedTokens().slice(-1);
    expect(redactor.redact(`password wonderland, token ${token}, base64 ${Buffer.from(token!).toString("base64")}`)).toBe("password ***, token ***, base64 ***");
    expect(redactor.redact("Bearer")).toBe("Bearer"); // captured with secret: false
  });
});
