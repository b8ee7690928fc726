// Secrets never leak: every example spec and a set of failing specs run with known secret values
// (a password, a client secret, captured access and refresh tokens, a session cookie) through every
// reporter and --verbose; no secret, nor its base64 or URL-encoded forms, nor a long piece of one,
// appears in stdout, stderr or any report file. Also the secrets of suites and authentication: OAuth2
// tokens from a suite config's `auth.oauth2` under --jobs 4, refresh tokens, session cookies of a cookie
// login, Basic credentials, a TLS key passphrase and JWTs checked by expect.jwt, through the console
// (--verbose), json, junit and github reporters (and $GITHUB_STEP_SUMMARY).
import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startDemoServer, type DemoServer } from "../fixtures/demo-server.js";
import { startFaultServer, type FaultServer } from "../fixtures/fault-server.js";
import { Redactor } from "../src/index.js";
import { json, ROOT, runCli, startServer, tempDir, type TestServer } from "./helpers.js";

// Characters that URL-encoding, form-encoding and base64 each change.
const PASSWORD = "p@ss w0rd!+/=~(x)";
const CLIENT_SECRET = "cl13nt-s3cr3t/with+chars";

let demo: DemoServer;
let faults: FaultServer;
let api: TestServer;
const issued: string[] = [];
const token = (prefix: string) => {
  const t = `${prefix}${randomBytes(16).toString("hex")}`;
  issued.push(t);
  return t;
};

beforeAll(async () => {
  demo = await startDemoServer();
  faults = await startFaultServer();
  // A token endpoint (password grant) that issues access and refresh tokens and a session cookie, and
  // endpoints that echo credentials back in their bodies, as careless APIs do.
  api = await startServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const form = new URLSearchParams(req.body);
    if (url.pathname === "/token") {
      if (form.get("password") !== PASSWORD || form.get("client_secret") !== CLIENT_SECRET) return json(res, 401, { error: "invalid_grant", got: Object.fromEntries(form) });
      return json(res, 200, { access_token: token("at-"), refresh_token: token("rt-"), token_type: "Bearer" }, { "set-cookie": `sid=${token("ck-")}; Path=/; HttpOnly` });
    }
    if (url.pathname === "/refresh") return json(res, 200, { access_token: token("at-"), refresh_token: token("rt-") });
    if (url.pathname === "/me") return json(res, 200, { user: "alice", echo: { authorization: req.headers.authorization, cookie: req.headers.cookie } });
    // Echo: the request body and headers back, with padding that puts them across the excerpt cuts.
    const pad = Number(url.searchParams.get("pad") ?? 0);
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(`${"x".repeat(pad)}${req.headers.authorization ?? ""} ${req.body} ${url.search}`);
  });
});
afterAll(async () => {
  await Promise.all([demo.close(), faults.close(), api.close()]);
});

const login =
  `  - name: log in\n    request:\n      method: POST\n      url: /token\n` +
  `      form: { grant_type: password, username: alice, password: "\${{ secrets.PASSWORD }}", client_secret: "\${{ secrets.CLIENT_SECRET }}" }\n` +
  `    capture:\n      access: $.access_token\n      refresh: $.refresh_token\n      session: { cookie: sid }\n`;
const auth = `Authorization: "Bearer \${{ access }}", Cookie: "sid=\${{ session }}"`;

const SPECS: Record<string, string> = {
  "a-passes.yaml":
    `name: passes\nbaseUrl: \${{ env.API }}\nsteps:\n${login}` +
    `  - name: me\n    request: { url: /me, headers: { ${auth} } }\n    expect: { body: { $.user: alice } }\n` +
    `  - name: refresh\n    request: { url: /refresh, method: POST, form: { refresh_token: "\${{ refresh }}" } }\n    capture: { access: $.access_token }\n` +
    `  - name: me again\n    request: { url: /me, headers: { Authorization: "Bearer \${{ access }}" } }\n`,
  "b-echoed-in-json.yaml":
    `name: echoed in json\nbaseUrl: \${{ env.API }}\nsteps:\n${login}` +
    `  - name: me fails\n    request: { url: /me, headers: { ${auth} } }\n    expect: { body: { $.user: bob, $.echo.authorization: nobody } }\n`,
  "c-echoed-in-text.yaml":
    `name: echoed in text\nbaseUrl: \${{ env.API }}\nsteps:\n${login}` +
    `  - name: echo\n    request:\n      method: POST\n      url: "/echo?pad=970&t=\${{ access }}&p=\${{ secrets.PASSWORD }}"\n      headers: { ${auth} }\n` +
    `      json: { password: "\${{ secrets.PASSWORD }}", refresh: "\${{ refresh }}", secret: "\${{ secrets.CLIENT_SECRET }}" }\n    expect: { status: 200 }\n`,
  "d-verbose-cut.yaml":
    `name: verbose cut\nbaseUrl: \${{ env.API }}\nsteps:\n${login}` +
    `  - name: echo across the verbose cut\n    request: { url: "/echo?pad=1970", method: POST, body: "refresh=\${{ refresh }}", headers: { ${auth} } }\n    expect: { status: 200 }\n`,
  "e-wrong-password.yaml":
    `name: wrong password\nbaseUrl: \${{ env.API }}\nsteps:\n  - name: log in\n    request:\n      method: POST\n      url: /token\n` +
    `      form: { password: "\${{ secrets.PASSWORD }}x", client_secret: "\${{ secrets.CLIENT_SECRET }}" }\n    expect: { status: 200 }\n`,
  "f-network.yaml":
    `name: network faults\nsteps:\n  - name: reset\n    request: { url: "\${{ env.FAULTS }}/reset", headers: { Authorization: "Bearer \${{ secrets.CLIENT_SECRET }}" } }\n` +
    `  - name: refused\n    request: { url: "\${{ env.REFUSED }}/x?secret=\${{ secrets.PASSWORD }}" }\n`,
  // Every fault of the fault server, each request carrying credentials.
  ...Object.fromEntries(
    ["drip", "endless", "gzip-bomb", "hang", "huge-header", "huge-length", "loop", "to-other", "truncated-json"].map((path) => [
      `h-${path}.yaml`,
      `name: fault ${path}\nsteps:\n  - name: ${path}\n    request:\n      url: "\${{ env.FAULTS }}/${path}?k=\${{ secrets.PASSWORD }}"\n` +
        `      followRedirects: true\n      timeout: 500\n      maxResponseSize: 100000\n` +
        `      headers: { Authorization: "Bearer \${{ secrets.CLIENT_SECRET }}", Cookie: "sid=\${{ secrets.PASSWORD }}" }\n    expect: { body: { $.token: { exists: true } } }\n`,
    ]),
  ),
  "i-tls.yaml": `name: tls\nsteps:\n  - name: tls\n    request: { url: "\${{ env.TLS }}/?k=\${{ secrets.PASSWORD }}", headers: { Authorization: "Bearer \${{ secrets.CLIENT_SECRET }}" } }\n`,
  "g-html.yaml":
    `name: html\nsteps:\n  - name: html\n    request: { url: "\${{ env.FAULTS }}/html", headers: { Authorization: "Basic \${{ secrets.BASIC }}" } }\n    expect: { body: { $.a: 1 } }\n`,
};

function forms(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams([["", secret]]).toString().slice(1),
    Buffer.from(secret).toString("base64"),
    Buffer.from(secret).toString("base64url"),
  ];
}

function expectNoLeak(all: string, secrets: string[]): void {
  for (const secret of secrets) {
    for (const form of forms(secret)) expect({ secret, leaked: all.includes(form) }).toEqual({ secret, leaked: false });
    // Nor a long piece of one (a secret cut in half by an excerpt): any 12 characters of its random part.
    const random = secret.replace(/^(at|rt|ck)-/, "");
    if (random !== secret) for (let i = 0; i + 12 <= random.length; i += 4) expect({ secret, piece: all.includes(random.slice(i, i + 12)) }).toEqual({ secret, piece: false });
  }
}

describe("secrets never leak", () => {
  test("failing and passing specs with tokens, refresh tokens, cookies, a password and a client secret, through every reporter and --verbose", async () => {
    const t = tempDir(SPECS);
    const basic = Buffer.from(`client:${CLIENT_SECRET}`).toString("base64");
    const env = { API: api.url, FAULTS: faults.url, REFUSED: faults.refusedUrl, TLS: faults.expiredUrl, PASSWORD, CLIENT_SECRET, BASIC: basic };
    try {
      const outputs: string[] = [];
      const runs = [
        ["--verbose", "--reporter", "console", "--reporter", `json:${t.path("out/r.json")}`, "--reporter", `junit:${t.path("out/r.xml")}`],
        ["--reporter", "json"],
        ["--reporter", "junit"],
        ["--verbose", "--no-color"],
      ];
      for (const args of runs) {
        const r = await runCli(["run", ".", ...args], { cwd: t.dir, env });
        expect(r.code).toBe(1);
        outputs.push(r.stdout, r.stderr);
      }
      outputs.push(readFileSync(t.path("out/r.json"), "utf8"), readFileSync(t.path("out/r.xml"), "utf8"));
      const all = outputs.join("\n");
      // The runs did what they should: logins worked, the echoes came back, masking happened.
      const report = JSON.parse(outputs[2]!) as { specs: { name: string; status: string }[] };
      expect(report.specs.map((s) => [s.name, s.status])).toEqual([
        ["passes", "passed"],
        ["echoed in json", "failed"],
        ["echoed in text", "failed"],
        ["verbose cut", "failed"],
        ["wrong password", "failed"],
        ["network faults", "failed"],
        ["html", "failed"],
        ...["drip", "endless", "gzip-bomb", "hang", "huge-header", "huge-length", "loop", "to-other", "truncated-json"].map((p) => [`fault ${p}`, "failed"]),
        ["tls", "failed"],
      ]);
      expect(issued.filter((x) => x.startsWith("at-")).length).toBe(4 * 5); // 4 runs: 4 logins and a refresh each
      expect(all).toContain("***");
      expect(all).toContain("response body (text/plain):");
      expectNoLeak(all, [PASSWORD, CLIENT_SECRET, basic, ...issued]);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  test("every example spec, passing and failing, through every reporter and --verbose", async () => {
    const t = tempDir();
    const basic = Buffer.from("demo-client:demo-secret").toString("base64");
    // The credentials come from specs/demo.env, as in `npm start`.
    const env = { API_URL: demo.url, API_TLS_URL: demo.tlsUrl };
    try {
      const outputs: string[] = [];
      for (const extra of [[], ["--var", "username=bob"], ["--var", "clientId=nobody"]]) {
        const r = await runCli(
          ["run", "specs", "--env-file", "specs/demo.env", "--verbose", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`, "--reporter", `junit:${t.path("r.xml")}`, ...extra],
          { env },
        );
        expect(r.code).toBe(extra.length ? 1 : 0);
        outputs.push(r.stdout, r.stderr, readFileSync(t.path("r.json"), "utf8"), readFileSync(t.path("r.xml"), "utf8"));
      }
      // The example suite (setup login, includes, a default Authorization header) with --jobs 4, passing and
      // failing, through every reporter, GitHub's and its step summary included.
      for (const extra of [[], ["--var", "username=bob"]]) {
        const r = await runCli(
          ["run", "--config", "examples/suite/authspec.config.yaml", "examples/suite/specs", "--env-file", "specs/demo.env", "--jobs", "4", "--verbose",
            "--reporter", "console", "--reporter", `json:${t.path("s.json")}`, "--reporter", `junit:${t.path("s.xml")}`, "--reporter", "github", ...extra],
          { env: { ...env, GITHUB_STEP_SUMMARY: t.path("summary.md") } },
        );
        expect(r.code).toBe(extra.length ? 1 : 0);
        outputs.push(r.stdout, r.stderr, readFileSync(t.path("s.json"), "utf8"), readFileSync(t.path("s.xml"), "utf8"), readFileSync(t.path("summary.md"), "utf8"));
      }
      const all = outputs.join("\n");
      expect(demo.issuedTokens().length).toBeGreaterThan(0);
      expectNoLeak(all, ["wonderland", "builder", "demo-secret", "demo-key-passphrase", basic, ...demo.issuedTokens()]);
    } finally {
      t.cleanup();
    }
  }, 60_000);

  test("suites and authentication: config auth.oauth2 with --jobs 4, refresh tokens, cookie sessions, Basic, a TLS key passphrase and JWTs, through every reporter, github included", async () => {
    // An echo server that shows what it was sent (headers, body, query) in its response bodies, as careless
    // APIs do, and issues HS256 JWTs under a field name the redactor does not know.
    const JWT_SECRET = "hs256-jwt-signing-secret-value";
    const minted: string[] = [];
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const mint = () => {
      const head = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: `user-${randomBytes(8).toString("hex")}`, aud: "echo", exp: Math.floor(Date.now() / 1000) + 600 })}`;
      const jwt = `${head}.${createHmac("sha256", JWT_SECRET).update(head).digest("base64url")}`;
      minted.push(jwt);
      return jwt;
    };
    const echo = await startServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      if (url.pathname === "/jwt") return json(res, 200, { data: { t: mint() } });
      const seen = { a: req.headers.authorization ?? null, c: req.headers.cookie ?? null, b: req.body, q: url.search };
      if (url.pathname === "/json") return json(res, 200, { seen });
      res.writeHead(Number(url.searchParams.get("s") ?? 200), { "content-type": "text/plain" });
      res.end(`${"x".repeat(Number(url.searchParams.get("pad") ?? 0))}${JSON.stringify(seen)}`);
    });
    const E = echo.url;
    const tlsDir = `${ROOT}fixtures/tls`;
    const t = tempDir({
      "authspec.config.yaml":
        `baseUrl: \${{ env.API_URL }}\njobs: 4\n` +
        `auth:\n  oauth2: { tokenUrl: /oauth/token, clientId: demo-client, clientSecret: "\${{ secrets.CLIENT_SECRET }}", audience: demo-api }\n`,
      // The config's OAuth2 token (a JWT), sent to the echo server and shown back in failing bodies.
      "specs/a-oauth2.yaml":
        `name: config oauth2\nsteps:\n  - name: me\n    request: { url: /me }\n    expect: { body: { $.user.name: demo-client } }\n` +
        `  - name: echoed as text\n    request: { url: "${E}/text?pad=950", method: POST, json: { note: hello } }\n` +
        `  - name: echoed as json\n    request: { url: "${E}/json" }\n    expect: { body: { $.seen.a: nobody, $.seen: { type: string } } }\n`,
      "specs/b-oauth2-again.yaml":
        `name: config oauth2 again\nsteps:\n  - name: echoed\n    request: { url: "${E}/text?pad=1990&s=403" }\n    expect: { status: 200 }\n`,
      // A password grant's refresh token, used by a refresh_token grant whose access token is echoed.
      "specs/c-refresh.yaml":
        `name: refresh tokens\nsteps:\n  - name: password grant\n    oauth2: { grant: password, tokenUrl: /oauth/token, clientId: demo-client, clientSecret: "\${{ secrets.CLIENT_SECRET }}", username: alice, password: "\${{ secrets.API_PASSWORD }}" }\n` +
        `    capture: { refresh: $.refresh_token }\n    expect: { body: { $.refresh_token: { type: string } } }\n` +
        `  - name: refresh grant\n    request: { url: "${E}/json?rt=\${{ refresh }}", method: POST, form: { refresh_token: "\${{ refresh }}" } }\n` +
        `    auth:\n      oauth2: { grant: refresh_token, tokenUrl: "\${{ env.API_URL }}/oauth/token", clientId: demo-client, clientSecret: "\${{ secrets.CLIENT_SECRET }}", clientAuth: body, refreshToken: "\${{ refresh }}" }\n` +
        `    expect: { body: { $.seen.b: nothing } }\n`,
      // The cookie jar's session, shown by a failing cookie expectation, --verbose and an echo.
      "specs/d-cookies.yaml":
        `name: cookie session\nsteps:\n  - name: log in\n    request: { url: /session/login, method: POST, form: { username: alice, password: "\${{ secrets.API_PASSWORD }}" } }\n` +
        `    expect: { cookies: { sid: { value: not-the-session } } }\n` +
        `  - name: me\n    request: { url: /session/me }\n    expect: { body: { $.user.name: nobody } }\n`,
      "specs/e-cookie-echo.yaml":
        `name: cookie echo\nsteps:\n  - name: log in\n    request: { url: /session/login, method: POST, form: { username: bob, password: "\${{ secrets.BOB_PASSWORD }}" } }\n` +
        `    capture: { sid: { cookie: sid } }\n` +
        `  - name: echo\n    request: { url: "${E}/text", headers: { Cookie: "sid=\${{ sid }}" } }\n    auth: { bearer: "\${{ sid }}" }\n`,
      // Basic credentials: echoed, and a 401 from the demo server.
      "specs/f-basic.yaml":
        `name: basic\nauth:\n  basic: { username: alice, password: "\${{ secrets.API_PASSWORD }}" }\nsteps:\n` +
        `  - name: echo\n    request: { url: "${E}/text?pad=980" }\n  - name: json echo\n    request: { url: "${E}/json" }\n    expect: { body: { $.seen.a: { type: string } } }\n` +
        `  - name: wrong\n    request: { url: /basic/me }\n    auth: { basic: { username: bob, password: "\${{ secrets.API_PASSWORD }}" } }\n    expect: { body: { $.user.name: bob } }\n`,
      // The TLS key passphrase: a client certificate that works, then an expectation that fails.
      "specs/g-tls.yaml":
        `name: tls\nbaseUrl: \${{ env.API_TLS_URL }}\nauth: { bearer: none }\n` +
        `defaults:\n  tls: { ca: ${tlsDir}/demo-ca.crt, cert: ${tlsDir}/demo-client.crt, key: ${tlsDir}/demo-client.key, passphrase: "\${{ secrets.CLIENT_KEY_PASSPHRASE }}" }\n` +
        `steps:\n  - name: echo the passphrase\n    request: { url: "${E}/text?p=\${{ secrets.CLIENT_KEY_PASSPHRASE }}" }\n` +
        `  - name: whoami\n    request: { url: /tls/whoami }\n    expect: { body: { $.client: somebody-else } }\n`,
      // JWTs checked by expect.jwt: the config's token (a known field) and an HS256 one under an unknown field.
      "specs/h-jwt.yaml":
        `name: jwt claims\nsteps:\n  - name: token step\n    oauth2: { tokenUrl: /oauth/token, clientId: demo-client, clientSecret: "\${{ secrets.CLIENT_SECRET }}", audience: demo-api }\n` +
        `    expect:\n      jwt: { token: $.access_token, claims: { aud: nobody }, verify: { jwksUrl: "\${{ env.API_URL }}/.well-known/jwks.json" } }\n`,
      "specs/i-jwt.yaml":
        `name: jwt\nsteps:\n` +
        `  - name: token step\n    oauth2: { tokenUrl: /oauth/token, clientId: demo-client, clientSecret: "\${{ secrets.CLIENT_SECRET }}", audience: demo-api }\n` +
        `    expect:\n      jwt: { token: $.access_token, claims: { aud: demo-api }, verify: { jwksUrl: "\${{ env.API_URL }}/.well-known/jwks.json" } }\n` +
        `  - name: unknown field\n    request: { url: "${E}/jwt" }\n` +
        `    expect:\n      body: { $.data.t: not-this }\n      jwt: { token: $.data.t, claims: { sub: nobody }, verify: { secret: "\${{ secrets.JWT_SECRET }}" } }\n` +
        "",
      // A long token under a field name the redactor does not know, captured, and shown by a failing matcher.
      "specs/k-capture.yaml":
        `name: captured\nsteps:\n  - name: capture\n    request: { url: "${E}/jwt" }\n    capture: { t: $.data.t }\n    expect: { body: { $.data.t: { matches: "^x" } } }\n`,
      "specs/j-jwt-key.yaml":
        `name: jwt key\nsteps:\n  - name: wrong key\n    request: { url: "${E}/jwt" }\n    expect:\n      jwt: { token: $.data.t, verify: { secret: "\${{ secrets.JWT_SECRET }}-x" } }\n`,
    });
    const env = { API_URL: demo.url, API_TLS_URL: demo.tlsUrl, JWT_SECRET };
    const args = ["run", "specs", "--env-file", `${ROOT}specs/demo.env`, "--jobs", "4"];
    try {
      const outputs: string[] = [];
      const runs: { args: string[]; env?: Record<string, string> }[] = [
        { args: ["--verbose", "--reporter", "console", "--reporter", `json:${t.path("out/r.json")}`, "--reporter", `junit:${t.path("out/r.xml")}`, "--reporter", "github"], env: { GITHUB_STEP_SUMMARY: t.path("out/summary.md") } },
        { args: ["--reporter", "json"] },
        { args: ["--reporter", "junit"] },
        { args: ["--verbose"], env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: t.path("out/summary2.md") } },
      ];
      for (const run of runs) {
        const r = await runCli([...args, ...run.args], { cwd: t.dir, env: { ...env, ...run.env } });
        expect({ args: run.args, code: r.code }).toEqual({ args: run.args, code: 1 });
        outputs.push(r.stdout, r.stderr);
      }
      for (const f of ["r.json", "r.xml", "summary.md", "summary2.md"]) outputs.push(readFileSync(t.path(`out/${f}`), "utf8"));
      const all = outputs.join("\n");
      // The runs did what they should: every spec ran, each failing where meant to, the echoes came back.
      const report = JSON.parse(outputs[2]!) as { specs: { name: string; steps: { name: string; status: string; failures: { message: string }[] }[] }[] };
      const status = Object.fromEntries(report.specs.flatMap((s) => s.steps.map((st) => [`${s.name} / ${st.name}`, st.status])));
      expect(status).toEqual({
        "config oauth2 / me": "passed", "config oauth2 / echoed as text": "passed", "config oauth2 / echoed as json": "failed",
        "config oauth2 again / echoed": "failed",
        "refresh tokens / password grant": "passed", "refresh tokens / refresh grant": "failed",
        "cookie session / log in": "failed", "cookie session / me": "skipped",
        "cookie echo / log in": "passed", "cookie echo / echo": "passed",
        "basic / echo": "passed", "basic / json echo": "passed", "basic / wrong": "failed",
        "tls / echo the passphrase": "passed", "tls / whoami": "failed",
        "jwt claims / token step": "failed",
        "jwt / token step": "passed", "jwt / unknown field": "failed",
        "jwt key / wrong key": "failed",
        "captured / capture": "failed",
      });
      expect(all).toContain("***");
      expect(all).toContain("::error ");
      expect(all).toContain("response body (text/plain):");
      expect(readFileSync(t.path("out/summary.md"), "utf8")).toContain("config oauth2");
      expect(minted.length).toBeGreaterThan(0);
      const tokens = demo.issuedTokens();
      expect(tokens.filter((x) => x.split(".").length === 3).length).toBeGreaterThan(0); // JWTs
      const secrets = [
        "wonderland", "builder", "demo-secret", "demo-key-passphrase", JWT_SECRET,
        Buffer.from("demo-client:demo-secret").toString("base64"), Buffer.from("alice:wonderland").toString("base64"), Buffer.from("bob:wonderland").toString("base64"),
        ...tokens, ...minted,
      ];
      expectNoLeak(all, secrets);
      // Nor a long piece of a token after a JWT's header (the header is the same for every token of a key).
      for (const s of [...tokens, ...minted]) {
        const part = s.slice(s.indexOf(".") + 1);
        for (let i = 0; i + 12 <= part.length; i += 4) expect({ s, piece: all.includes(part.slice(i, i + 12)) }).toEqual({ s, piece: false });
      }
    } finally {
      t.cleanup();
      await echo.close();
    }
  }, 90_000);

  test("a TLS key passphrase held in a plain variable is masked once the TLS options use it", async () => {
    const echo = await startServer((req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(`seen ${req.url} ${req.body}`);
    });
    const tlsDir = `${ROOT}fixtures/tls`;
    const t = tempDir({
      "t.yaml":
        `name: tls var\nbaseUrl: \${{ env.API_TLS_URL }}\nvariables: { pp: demo-key-passphrase }\n` +
        `defaults:\n  tls: { ca: ${tlsDir}/demo-ca.crt, cert: ${tlsDir}/demo-client.crt, key: ${tlsDir}/demo-client.key, passphrase: "\${{ pp }}" }\n` +
        `steps:\n  - name: whoami\n    request: { url: /tls/whoami }\n    expect: { body: { $.client: demo-client } }\n` +
        `  - name: echo the passphrase\n    request: { url: "${echo.url}/e?p=\${{ pp }}", method: POST, json: { pp: "\${{ pp }}" } }\n`,
    });
    try {
      const r = await runCli(["run", ".", "--verbose", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`], { cwd: t.dir, env: { API_TLS_URL: demo.tlsUrl } });
      expect(r.code).toBe(1);
      const all = [r.stdout, r.stderr, readFileSync(t.path("r.json"), "utf8")].join("\n");
      expect(all).toContain("expected status 2xx, got 500");
      expect(echo.requests.at(-1)!.url).toBe("/e?p=demo-key-passphrase");
      expectNoLeak(all, ["demo-key-passphrase"]);
    } finally {
      t.cleanup();
      await echo.close();
    }
  });

  test("proxy credentials (HTTPS_PROXY=http://user:pass@host) never appear, whether the proxy refuses them (407), is down, or tunnels", async () => {
    const { createServer: createHttp } = await import("node:http");
    const { connect } = await import("node:net");
    const PROXY_PASSWORD = "proxy-pa55-secret-value";
    const auths: string[] = [];
    // A proxy that answers 407 to /deny targets and tunnels the others.
    const proxy = createHttp((_req, res) => res.writeHead(405).end());
    proxy.on("connect", (req, client, head) => {
      auths.push(String(req.headers["proxy-authorization"]));
      if (req.url!.startsWith("127.0.0.2")) return void client.end("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n");
      const [host, port] = req.url!.split(":");
      const up = connect(Number(port), host!, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      up.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const port = (proxy.address() as { port: number }).port;
    const t = tempDir({
      "p.yaml":
        `name: proxied\nsteps:\n  - name: tunnelled and failing\n    request: { url: "\${{ env.API }}/echo?pad=10", headers: { Authorization: "Bearer \${{ secrets.CLIENT_SECRET }}" } }\n    expect: { status: 200 }\n`,
      "q.yaml": `name: refused by the proxy\nsteps:\n  - name: denied\n    request: { url: "http://127.0.0.2:9/x" }\n`,
    });
    try {
      const outputs: string[] = [];
      for (const proxyUrl of [`http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:${port}`, `http://proxyuser:${PROXY_PASSWORD}@127.0.0.1:${faults.refusedUrl.split(":").at(-1)}`]) {
        const r = await runCli(["run", ".", "--verbose", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`, "--reporter", `junit:${t.path("r.xml")}`], {
          cwd: t.dir,
          env: { API: api.url, CLIENT_SECRET, HTTP_PROXY: proxyUrl, HTTPS_PROXY: proxyUrl, NO_PROXY: undefined, no_proxy: undefined },
        });
        expect(r.code).toBe(1);
        outputs.push(r.stdout, r.stderr, readFileSync(t.path("r.json"), "utf8"), readFileSync(t.path("r.xml"), "utf8"));
      }
      const all = outputs.join("\n");
      // The proxy was used, with the credentials; the runs failed where they should.
      expect(auths.length).toBeGreaterThanOrEqual(2);
      expect(auths.every((a) => a === `Basic ${Buffer.from(`proxyuser:${PROXY_PASSWORD}`).toString("base64")}`)).toBe(true);
      expect(all).toContain("expected status 200, got 400");
      expect(all).toMatch(/connection refused/);
      expect(all).toContain("✗ the proxy refused the connection: CONNECT answered 407 (127.0.0.2:9) [ERR_PROXY_CONNECT]\n");
      expectNoLeak(all, [PROXY_PASSWORD, `proxyuser:${PROXY_PASSWORD}`, Buffer.from(`proxyuser:${PROXY_PASSWORD}`).toString("base64"), CLIENT_SECRET]);
    } finally {
      t.cleanup();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  }, 30_000);

  test("a missing variable names the variable, never the variable set or the environment", async () => {
    const t = tempDir({
      "s.yaml": `name: s\nvariables:\n  apiKey: "\${{ secrets.API_KEY }}"\nsteps:\n  - name: a\n    request: { url: "\${{ env.API }}/me", headers: { X-Key: "\${{ apiKey }}", X-Other: "\${{ secrets.NOT_SET }}" } }\n`,
    });
    try {
      const r = await runCli(["run", ".", "--var", "extra=var-value-canary"], { cwd: t.dir, env: { API: api.url, API_KEY: "api-key-canary-123", OTHER_SECRET: "env-canary-456" } });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("s.yaml:6:87: error environment variable `NOT_SET` is not set (used as secrets.NOT_SET)\n\n1 problem in 1 file; nothing was sent\n");
      expect(r.stderr).toBe("");
    } finally {
      t.cleanup();
    }
  });

  test("the Redactor masks the form-encoded and base64url forms too", () => {
    const r = new Redactor();
    r.add(PASSWORD);
    for (const form of forms(PASSWORD)) expect(r.redact(`a ${form} b`)).toBe("a *** b");
  });
});
