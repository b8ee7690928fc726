// Secrets never leak: every example spec and a set of failing specs run with known secret values
// (a password, a client secret, captured access and refresh tokens, a session cookie) through every
// reporter and --verbose; no secret, nor its base64 or URL-encoded forms, nor a long piece of one,
// appears in stdout, stderr or any report file.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { startDemoServer, type DemoServer } from "../fixtures/demo-server.js";
import { startFaultServer, type FaultServer } from "../fixtures/fault-server.js";
import { Redactor } from "../src/index.js";
import { json, runCli, startServer, tempDir, type TestServer } from "./helpers.js";

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
      const all = outputs.join("\n");
      expect(demo.issuedTokens().length).toBeGreaterThan(0);
      expectNoLeak(all, ["wonderland", "builder", "demo-secret", "demo-key-passphrase", basic, ...demo.issuedTokens()]);
    } finally {
      t.cleanup();
    }
  }, 60_000);

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
