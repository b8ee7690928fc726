// Cookies, Basic and Bearer auth, the cross-origin redirect rule, client certificates and custom CAs,
// proxies from the environment, and offline JWT checks: all against real servers on 127.0.0.1.
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, type AddressInfo, type Socket } from "node:net";
import { readFileSync } from "node:fs";
import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { run, Redactor, type RunResult } from "../src/index.js";
import { json, runCli, startServer, tempDir, type TestServer } from "./helpers.js";
import { makePki, KEY_PASSPHRASE, type TestPki } from "./tls-certs.js";

let app: TestServer;
let other: TestServer;
const SESSION = "session-value-0123456789";

beforeAll(async () => {
  other = await startServer((req, res) => json(res, 200, { headers: req.headers }));
  app = await startServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const cookie = req.headers.cookie ?? "";
    switch (url.pathname) {
      case "/login": {
        const form = new URLSearchParams(req.body);
        if (form.get("user") !== "alice" || form.get("password") !== "cookie-pass-1") return json(res, 401, { error: "bad login" });
        return json(res, 200, { ok: true }, { "set-cookie": [`sid=${SESSION}; Path=/; HttpOnly; SameSite=Lax`, "theme=dark; Path=/"] });
      }
      case "/login-redirect": // sets the cookie on a 302, as many login forms do
        res.writeHead(302, { location: "/me", "set-cookie": `sid=${SESSION}; Path=/; HttpOnly` });
        return res.end();
      case "/me":
        return cookie.includes(`sid=${SESSION}`) ? json(res, 200, { user: "alice" }) : json(res, 401, { error: "no session" });
      case "/basic": {
        const expected = "Basic " + Buffer.from("bob:b4sic-pässword").toString("base64");
        return req.headers.authorization === expected ? json(res, 200, { user: "bob" }) : json(res, 401, { error: "bad basic" }, { "www-authenticate": "Basic" });
      }
      case "/away": // a redirect to another origin
        res.writeHead(302, { location: `${other.url}/landed` });
        return res.end();
      case "/here": // a redirect to the same origin
        res.writeHead(302, { location: "/echo" });
        return res.end();
      case "/echo":
        return json(res, 200, { headers: req.headers });
      default:
        return json(res, 404, { error: "not found" });
    }
  });
});
afterAll(async () => {
  await app.close();
  await other.close();
});
beforeEach(() => {
  app.requests.length = 0;
  other.requests.length = 0;
});

async function runSpecs(files: Record<string, string>, env: Record<string, string> = {}, redactor = new Redactor()): Promise<RunResult> {
  const t = tempDir(files);
  try {
    return await run(Object.keys(files).filter((f) => f.endsWith(".yaml")).map((f) => t.path(f)), { cwd: t.dir, env: { APP: app.url, ...env }, redactor });
  } finally {
    t.cleanup();
  }
}

const failures = (r: RunResult) => {
  expect(r.diagnostics).toEqual([]);
  return r.specs.flatMap((s) => s.steps.flatMap((st) => st.failures.map((f) => `${st.name}: ${f.message}`)));
};

describe("cookies", () => {
  test("a login that sets a session cookie is followed by requests that send it; expect.cookies checks value and attributes", async () => {
    const r = await runSpecs({
      "a.yaml": `name: cookie login
baseUrl: \${{ env.APP }}
steps:
  - name: login
    request: { method: POST, url: /login, form: { user: alice, password: cookie-pass-1 } }
    expect:
      cookies:
        sid: { value: { matches: "^session-" }, httpOnly: true, sameSite: Lax, path: / }
        theme: { value: dark, httpOnly: false }
        gone: { value: { exists: false } }
  - { name: me, request: { url: /me }, expect: { body: { $.user: alice } } }
  - name: without cookies
    request: { url: /me, cookies: false }
    expect: { status: 401 }
`,
      "b.yaml": `name: a jar per spec
baseUrl: \${{ env.APP }}
steps:
  - { name: no login here, request: { url: /me }, expect: { status: 401 } }
`,
      "c.yaml": `name: cookies off
baseUrl: \${{ env.APP }}
cookies: false
steps:
  - { name: login, request: { method: POST, url: /login, form: { user: alice, password: cookie-pass-1 } } }
  - { name: me, request: { url: /me }, expect: { status: 401 } }
`,
      "d.yaml": `name: cookie set on a redirect
baseUrl: \${{ env.APP }}
steps:
  - { name: login, request: { url: /login-redirect, followRedirects: true }, expect: { body: { $.user: alice } } }
`,
    });
    expect(failures(r)).toEqual([]);
  });

  test("cookie expectations that fail say what was found", async () => {
    const r = await runSpecs({
      "a.yaml": `name: cookie checks
baseUrl: \${{ env.APP }}
steps:
  - name: login
    request: { method: POST, url: /login, form: { user: alice, password: cookie-pass-1 } }
    expect:
      cookies:
        sid: { secure: true, sameSite: Strict, httpOnly: false }
        csrf: { value: { exists: true } }
`,
    });
    expect(failures(r)).toEqual([
      "login: cookie sid: expected no HttpOnly attribute",
      "login: cookie sid: expected Secure attribute",
      "login: cookie sid: expected SameSite=Strict, got SameSite=Lax",
      "login: cookie csrf: the response sets no cookie csrf (it sets sid, theme)",
    ]);
  });
});

describe("basic and bearer auth", () => {
  test("auth.basic at spec level, a step's own auth replaces it, an explicit Authorization header wins", async () => {
    const redactor = new Redactor();
    const r = await runSpecs(
      {
        "a.yaml": `name: basic
baseUrl: \${{ env.APP }}
auth: { basic: { username: bob, password: "\${{ secrets.BOB }}" } }
steps:
  - { name: basic, request: { url: /basic }, expect: { body: { $.user: bob } } }
  - { name: bearer, request: { url: /echo }, auth: { bearer: tok-123456 }, expect: { body: { $.headers.authorization: Bearer tok-123456 } } }
  - { name: explicit, request: { url: /echo, headers: { Authorization: Custom x } }, expect: { body: { $.headers.authorization: Custom x } } }
`,
      },
      { BOB: "b4sic-pässword" },
      redactor,
    );
    expect(failures(r)).toEqual([]);
    const header = String(app.requests[0]!.headers.authorization);
    expect(redactor.redact(header)).toBe("Basic ***");
    expect(redactor.redact("tok-123456")).toBe("***");
  });

  test("the config's auth may use a setup capture: the setup's own requests go without it, every later one carries it", async () => {
    const t = tempDir({
      "authspec.config.yaml": `baseUrl: \${{ env.APP }}
setup: [setup.yaml]
auth: { bearer: "\${{ token }}" }
`,
      "setup.yaml": `name: setup
steps:
  - name: log in
    request: { url: /echo, headers: { X-Token: tok-from-setup-1 } }
    expect: { body: { $.headers.authorization: { exists: false } } }
    capture: { token: "$.headers['x-token']" }
`,
      "specs/a.yaml": `name: uses it\nsteps:\n  - { name: call, request: { url: /echo }, expect: { body: { $.headers.authorization: Bearer tok-from-setup-1 } } }\n`,
    });
    try {
      const r = await run(["specs"], { cwd: t.dir, env: { APP: app.url } });
      expect(failures(r)).toEqual([]);
      expect(r.specs.map((s) => s.status)).toEqual(["passed", "passed"]);
    } finally {
      t.cleanup();
    }
  });

  test("precedence: a request's own Authorization > auth (step, spec, config) > an Authorization in defaults", async () => {
    const files = {
      "authspec.config.yaml": `defaults:
  headers: { Authorization: Basic from-config-defaults }
`,
      "a.yaml": `name: precedence
baseUrl: \${{ env.APP }}
defaults:
  headers: { Authorization: Basic from-spec-defaults }
auth: { bearer: from-spec-auth }
steps:
  - { name: spec auth over defaults, request: { url: /echo }, expect: { body: { $.headers.authorization: Bearer from-spec-auth } } }
  - { name: step auth, request: { url: /echo }, auth: { bearer: from-step-auth }, expect: { body: { $.headers.authorization: Bearer from-step-auth } } }
  - { name: own header, request: { url: /echo, headers: { authorization: Custom own } }, expect: { body: { $.headers.authorization: Custom own } } }
`,
      "b.yaml": `name: defaults only
baseUrl: \${{ env.APP }}
steps:
  - { name: config defaults apply, request: { url: /echo }, expect: { body: { $.headers.authorization: Basic from-config-defaults } } }
`,
    };
    const t = tempDir(files);
    try {
      const r = await run([t.path("a.yaml"), t.path("b.yaml")], { cwd: t.dir, env: { APP: app.url } });
      expect(failures(r)).toEqual([]);
    } finally {
      t.cleanup();
    }
  });
});

describe("redirects never carry credentials to another origin unless trusted", () => {
  test("Authorization and Cookie are dropped across origins, kept on the same origin and with trustRedirects", async () => {
    const r = await runSpecs({
      "a.yaml": `name: redirects
baseUrl: \${{ env.APP }}
steps:
  - { name: login, request: { method: POST, url: /login, form: { user: alice, password: cookie-pass-1 } } }
  - name: cross-origin
    request: { url: /away, followRedirects: true, headers: { X-Other: kept } }
    auth: { bearer: secret-token-1 }
    expect:
      body:
        $.headers.authorization: { exists: false }
        $.headers.cookie: { exists: false }
        $.headers['x-other']: kept
  - name: same origin
    request: { url: /here, followRedirects: true }
    auth: { bearer: secret-token-1 }
    expect: { body: { $.headers.authorization: Bearer secret-token-1, $.headers.cookie: { contains: sid= } } }
  - name: trusted
    request: { url: /away, followRedirects: true, trustRedirects: true }
    auth: { basic: { username: u, password: p-secret } }
    expect: { body: { $.headers.authorization: { matches: "^Basic " } } }
`,
    });
    expect(failures(r)).toEqual([]);
    expect(other.requests).toHaveLength(2);
    expect(other.requests[0]!.headers.authorization).toBeUndefined();
    expect(other.requests[0]!.headers.cookie).toBeUndefined();
  });
});

describe("TLS: custom CA, client certificates, insecure", () => {
  let pki: TestPki;
  let tmp: ReturnType<typeof tempDir>;
  let mtls: Server;
  let mtlsUrl: string;
  beforeAll(async () => {
    tmp = tempDir();
    pki = makePki(tmp.dir);
    mtls = createHttpsServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
      json(res, 200, { client: peer.subject?.CN });
    });
    await new Promise<void>((r) => mtls.listen(0, "127.0.0.1", r));
    mtlsUrl = `https://127.0.0.1:${(mtls.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    mtls.closeAllConnections();
    await new Promise((r) => mtls.close(r));
    tmp.cleanup();
  });

  test("a client certificate with an encrypted key and a custom CA; spec defaults.tls; paths relative to the spec file", async () => {
    const files = {
      "certs/ca.pem": pki.ca,
      "certs/client.pem": pki.clientCert,
      "certs/client.key": pki.clientKey,
    };
    const r = await runSpecs(
      {
        ...files,
        "specs/mtls.yaml": `name: mtls
baseUrl: \${{ env.MTLS }}
defaults:
  tls: { ca: ../certs/ca.pem, cert: ../certs/client.pem, key: ../certs/client.key, passphrase: "\${{ secrets.KEY_PASS }}" }
steps:
  - { name: with the client certificate, request: { url: /whoami }, expect: { body: { $.client: authspec client } } }
  - name: without one
    request: { url: /whoami, tls: { ca: ../certs/ca.pem } }
  - name: never reached
    request: { url: /whoami }
`,
        "specs/noca.yaml": `name: no custom CA
steps:
  - { name: untrusted, request: { url: "\${{ env.MTLS }}/x" } }
`,
        "specs/badfile.yaml": `name: missing file
steps:
  - { name: missing, request: { url: "\${{ env.MTLS }}/x", tls: { ca: nope.pem } } }
`,
      },
      { MTLS: mtlsUrl, KEY_PASS: KEY_PASSPHRASE },
    );
    const msgs = failures(r);
    expect(msgs[0]).toMatch(/^without one: .*(certificate|reset|socket hang up|ECONNRESET|closed)/i);
    expect(msgs[1]).toMatch(/^untrusted: TLS certificate (could not be verified|chain)/);
    expect(msgs[2]).toBe("missing: tls.ca: cannot read nope.pem: no such file (ENOENT)");
    expect(msgs).toHaveLength(3);
    expect(r.specs[0]!.steps[0]!.status).toBe("passed");
    // A new run (a kept-alive connection made with the right passphrase would be reused, as Node's agent does).
    const bad = await runSpecs(
      {
        ...files,
        "specs/badpass.yaml": `name: wrong passphrase
steps:
  - { name: wrong passphrase, request: { url: "\${{ env.MTLS }}/x", tls: { ca: ../certs/ca.pem, cert: ../certs/client.pem, key: ../certs/client.key, passphrase: nope } } }
`,
      },
      { MTLS: mtlsUrl },
    );
    expect(failures(bad)).toEqual([expect.stringMatching(/^wrong passphrase: could not decrypt the TLS client key \(wrong passphrase\?\) \(127.0.0.1:\d+\) \[ERR_OSSL_BAD_DECRYPT\]$/)]);
  });

  test("the suite config's defaults.tls (paths relative to the config file) reaches specs and included flows; a spec's own defaults win", async () => {
    const t = tempDir({
      "suite/authspec.config.yaml": `baseUrl: \${{ env.MTLS }}
defaults:
  tls: { ca: certs/ca.pem, cert: certs/client.pem, key: certs/client.key, passphrase: "\${{ secrets.KEY_PASS }}" }
`,
      "suite/certs/ca.pem": pki.ca,
      "suite/certs/client.pem": pki.clientCert,
      "suite/certs/client.key": pki.clientKey,
      "suite/flows/whoami.yaml": `name: whoami flow
steps:
  - { name: who, request: { url: /whoami }, expect: { body: { $.client: authspec client } } }
`,
      "suite/specs/a.yaml": `name: config tls
steps:
  - { name: direct, request: { url: /whoami }, expect: { body: { $.client: authspec client } } }
  - include: ../flows/whoami.yaml
`,
      "suite/specs/b.yaml": `name: own defaults
defaults:
  tls: { ca: ../certs/ca.pem }
steps:
  - { name: no client certificate, request: { url: /whoami } }
`,
    });
    try {
      const r = await run([t.path("suite/specs")], { cwd: t.path("suite"), env: { MTLS: mtlsUrl, KEY_PASS: KEY_PASSPHRASE }, jobs: 1 });
      expect(r.diagnostics).toEqual([]);
      const [a, b] = r.specs;
      expect(a!.steps.map((s) => [s.name, s.status])).toEqual([["direct", "passed"], ["whoami flow › who", "passed"]]);
      // b's own defaults.tls replaces the config's: the CA is trusted, but no client certificate is sent.
      expect(b!.steps[0]!.failures[0]!.message).toMatch(/certificate|reset|socket hang up|ECONNRESET|closed/i);
    } finally {
      t.cleanup();
    }
  });

  test("insecure: true accepts an untrusted certificate and prints a warning", async () => {
    const t = tempDir({
      "i.yaml": `name: insecure
steps:
  - { name: untrusted but allowed, request: { url: "\${{ env.MTLS }}/x", tls: { insecure: true, cert: client.pem, key: client.key, passphrase: "\${{ secrets.KEY_PASS }}" } } }
`,
      "client.pem": pki.clientCert,
      "client.key": pki.clientKey,
    });
    try {
      const r = await runCli(["run", t.path("i.yaml")], { env: { MTLS: mtlsUrl, KEY_PASS: KEY_PASSPHRASE } });
      expect(r.stderr + r.stdout).toContain("tls.insecure is set: server certificates are not verified");
      expect(r.code).toBe(0);
      expect(r.stderr + r.stdout).not.toContain(KEY_PASSPHRASE);
    } finally {
      t.cleanup();
    }
  });
});

describe("proxies from HTTP_PROXY / HTTPS_PROXY / NO_PROXY", () => {
  let proxy: Server;
  let proxyUrl: string;
  const seen: string[] = [];
  let connections = 0;
  let tls: Server;
  let tlsUrl: string;
  const saved = { ...process.env };
  beforeAll(async () => {
    // A tiny tunnelling proxy: hpagent sends http:// and https:// requests alike through CONNECT tunnels.
    proxy = createHttpServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(405).end();
    });
    proxy.on("connection", () => connections++);
    proxy.on("connect", (req, client: Socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, port] = req.url!.split(":");
      const upstream = connect(Number(port), host!, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const cert = readFileSync(new URL("../fixtures/tls/self-signed.crt", import.meta.url), "utf8");
    const key = readFileSync(new URL("../fixtures/tls/self-signed.key", import.meta.url), "utf8");
    tls = createHttpsServer({ cert, key }, (_req, res) => json(res, 200, { tls: true }));
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    process.env = saved;
    proxy.closeAllConnections();
    tls.closeAllConnections();
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => tls.close(r));
  });

  test("http through the proxy with keep-alive, https through CONNECT, NO_PROXY bypasses", async () => {
    process.env.HTTP_PROXY = proxyUrl;
    process.env.HTTPS_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    const spec = `name: proxied
steps:
${[1, 2, 3].map((i) => `  - { name: plain ${i}, request: { url: "\${{ env.APP }}/echo?i=${i}" } }`).join("\n")}
  - { name: tls, request: { url: "\${{ env.TLS }}/x", tls: { ca: ca.pem } }, expect: { body: { $.tls: true } } }
`;
    const ca = readFileSync(new URL("../fixtures/tls/self-signed.crt", import.meta.url), "utf8");
    let r = await runSpecs({ "p.yaml": spec, "ca.pem": ca }, { TLS: tlsUrl });
    expect(failures(r)).toEqual([]);
    const port = new URL(tlsUrl).port;
    // One kept-alive tunnel for the three plain requests, one for https.
    expect(seen).toEqual([`CONNECT 127.0.0.1:${new URL(app.url).port}`, `CONNECT 127.0.0.1:${port}`]);
    expect(connections).toBe(2);
    seen.length = 0;
    process.env.NO_PROXY = "localhost,127.0.0.1";
    r = await runSpecs({ "p.yaml": spec, "ca.pem": ca }, { TLS: tlsUrl });
    expect(failures(r)).toEqual([]);
    expect(seen).toEqual([]);
    process.env.NO_PROXY = `127.0.0.1:${port}`; // a host:port entry bypasses only that port
    r = await runSpecs({ "p.yaml": spec, "ca.pem": ca }, { TLS: tlsUrl });
    expect(failures(r)).toEqual([]);
    expect(seen).toEqual([`CONNECT 127.0.0.1:${new URL(app.url).port}`]);
  });

  test("through the proxy the server's certificate is still verified end to end (the proxy only tunnels): an untrusted one fails", async () => {
    process.env.HTTPS_PROXY = proxyUrl;
    delete process.env.NO_PROXY;
    delete process.env.no_proxy;
    seen.length = 0;
    const spec = `name: proxied tls
steps:
  - { name: untrusted, request: { url: "\${{ env.TLS }}/x" } }
`;
    const r = await runSpecs({ "p.yaml": spec }, { TLS: tlsUrl });
    expect(failures(r)).toEqual([`untrusted: TLS certificate is self-signed and not trusted (127.0.0.1:${new URL(tlsUrl).port}) [DEPTH_ZERO_SELF_SIGNED_CERT]`]);
    expect(seen).toEqual([`CONNECT 127.0.0.1:${new URL(tlsUrl).port}`]);
  });
});

describe("expect.jwt without a server: secrets, PEM keys, exp and nbf", () => {
  const SECRET = "hs256-shared-secret-0123456789abcdef";
  test("HS256 with a secret, RS256 with a PEM public key, expired and not-yet-valid tokens, not a JWT", async () => {
    const now = Math.floor(Date.now() / 1000);
    const hs = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const rs = await new SignJWT({ sub: "alice", roles: ["admin", "user"] }).setProtectedHeader({ alg: "RS256" }).setExpirationTime(now + 600).sign(privateKey);
    const pem = await exportSPKI(publicKey);
    const tokens = {
      good: await hs({ sub: "alice", exp: now + 600, nbf: now - 10 }),
      expired: await hs({ sub: "alice", exp: now - 120 }),
      justExpired: await hs({ sub: "alice", exp: now - 5 }),
      future: await hs({ sub: "alice", nbf: now + 3600 }),
      rs,
    };
    const jwtServer = await startServer((req, res) => {
      const which = new URL(req.url!, "http://x").pathname.slice(1) as keyof typeof tokens;
      json(res, 200, { token: tokens[which] ?? "not.a.jwt" });
    });
    const redactor = new Redactor();
    try {
      const step = (name: string, path: string, jwt: string) => `  - name: ${name}\n    request: { url: "${jwtServer.url}/${path}" }\n    expect:\n      jwt: ${jwt}\n`;
      const r = await runSpecs(
        {
          "j.yaml": `name: jwt
variables: { key: ${JSON.stringify(pem)} }
steps:
${step("good", "good", `{ token: $.token, claims: { sub: alice }, verify: { secret: "\${{ secrets.JWT_SECRET }}" } }`)}${step("rs", "rs", `{ token: $.token, claims: { roles: { contains: admin } }, verify: { publicKey: "\${{ key }}" } }`)}${step("skew covers it", "justExpired", `{ token: $.token, clockSkew: 30 }`)}`,
          "k.yaml": `name: jwt failures
steps:
${step("expired", "expired", `{ token: $.token, clockSkew: 0 }`)}`,
          "l.yaml": `name: jwt failures 2
steps:
${step("future", "future", `{ token: $.token }`)}`,
          "m.yaml": `name: jwt failures 3
steps:
${step("bad signature", "good", `{ token: $.token, verify: { secret: wrong-secret-wrong-secret-wrong-secret } }`)}`,
          "n.yaml": `name: jwt failures 4
steps:
${step("not a jwt", "none", `{ token: $.token }`)}`,
        },
        { JWT_SECRET: SECRET },
        redactor,
      );
      const msgs = failures(r);
      expect(msgs[0]).toMatch(/^expired: jwt: the token expired at .*Z \(exp\), 12\d s ago$/);
      expect(msgs[1]).toMatch(/^future: jwt: the token is not valid before .*Z \(nbf\)$/);
      expect(msgs[2]).toBe("bad signature: jwt: signature verification failed: signature verification failed [ERR_JWS_SIGNATURE_VERIFICATION_FAILED]");
      expect(msgs[3]).toMatch(/^not a jwt: jwt: not a JWT: /);
      expect(msgs).toHaveLength(4);
      for (const t of Object.values(tokens)) expect(redactor.redact(t)).toBe("***");
      expect(redactor.redact(SECRET)).toBe("***");
    } finally {
      await jwtServer.close();
    }
  });
});

describe("expect.jwt refuses forged tokens", () => {
  test("alg none, and an HS256 token keyed with the public key (algorithm confusion), fail verification", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const pem = await exportSPKI(publicKey);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = { sub: "mallory", exp: Math.floor(Date.now() / 1000) + 600 };
    const tokens = {
      genuine: await new SignJWT(claims).setProtectedHeader({ alg: "RS256" }).sign(privateKey),
      none: `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`,
      confused: await new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(pem)),
    };
    const jwtServer = await startServer((req, res) => json(res, 200, { t: tokens[new URL(req.url!, "http://x").pathname.slice(1) as keyof typeof tokens] }));
    try {
      const step = (name: string, verify: string) => `  - name: ${name}\n    request: { url: "${jwtServer.url}/${name.split(" ")[0]}" }\n    expect:\n      jwt: { token: $.t, verify: ${verify} }\n`;
      const specs: Record<string, string> = {};
      for (const [i, [name, verify]] of ([
        ["genuine with the key", "{ publicKey: \"${{ key }}\" }"],
        ["none with the key", "{ publicKey: \"${{ key }}\" }"],
        ["none with a secret", "{ secret: some-shared-secret }"],
        ["confused with the key", "{ publicKey: \"${{ key }}\" }"],
      ] as const).entries())
        specs[`${i}.yaml`] = `name: s${i}\nvariables: { key: ${JSON.stringify(pem)} }\nsteps:\n${step(name, verify)}`;
      const msgs = failures(await runSpecs(specs));
      expect(msgs.map((m) => m.replace(/: jwt: .*/, ""))).toEqual(["none with the key", "none with a secret", "confused with the key"]);
      for (const m of msgs) expect(m).toMatch(/: jwt: .*\[ERR_[A-Z_]+\]$/);
    } finally {
      await jwtServer.close();
    }
  });
});
