// OAuth2 against a real authorization server nobody here wrote: oidc-provider, on 127.0.0.1.
import { readFileSync } from "node:fs";
import { run, validate, Redactor, type RunResult } from "../src/index.js";
import { HttpClient } from "../src/http/client.js";
import { runSpec, type RunContext } from "../src/run/runner.js";
import { startOidc, API_RESOURCE, CLIENTS, USER, type OidcServer } from "./oidc.js";
import { json, runCli, startServer, tempDir, type TestServer } from "./helpers.js";

let idp: OidcServer;
let api: TestServer;
/** Tokens the API answers 401 to once (to test retryOn401). */
const rejectOnce = new Set<string>();

beforeAll(async () => {
  idp = await startOidc();
  // A resource server that records the Authorization header it receives.
  api = await startServer((req, res) => {
    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ")) return json(res, 401, { error: "no bearer token" });
    const token = auth.slice(7);
    if (rejectOnce.has(token)) {
      rejectOnce.delete(token);
      return json(res, 401, { error: "token revoked" });
    }
    json(res, 200, { ok: true, path: req.url });
  });
});
afterAll(async () => {
  await idp.close();
  await api.close();
});
beforeEach(() => {
  idp.tokenRequests.length = 0;
  idp.issued.length = 0;
  api.requests.length = 0;
});

const ENV = () => ({
  TOKEN_URL: idp.tokenUrl, JWKS_URL: idp.jwksUrl, ISSUER: idp.issuer, API_URL: api.url,
  BASIC_SECRET: CLIENTS.basic.secret, POST_SECRET: CLIENTS.post.secret, ALICE_PASSWORD: USER.password,
});

async function runSpecs(files: Record<string, string>, redactor = new Redactor()): Promise<RunResult> {
  const t = tempDir(files);
  try {
    return await run(Object.keys(files).map((f) => t.path(f)), { cwd: t.dir, env: ENV(), redactor });
  } finally {
    t.cleanup();
  }
}

const failures = (r: RunResult) => {
  expect(r.diagnostics).toEqual([]);
  return r.specs.flatMap((s) => s.steps.flatMap((st) => st.failures.map((f) => `${st.name}: ${f.message}`)));
};

const clientCredentials = (extra = "") => `
  oauth2:
    tokenUrl: \${{ env.TOKEN_URL }}
    clientId: ${CLIENTS.basic.id}
    clientSecret: \${{ secrets.BASIC_SECRET }}${extra}`;

describe("token steps against oidc-provider", () => {
  test("client_secret_basic (the default) and client_secret_post; expect and capture apply to the token response", async () => {
    const r = await runSpecs({
      "token.yaml": `name: token endpoint
steps:
  - name: basic client
    oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.basic.id}, clientSecret: "\${{ secrets.BASIC_SECRET }}", scope: read }
    expect:
      status: 200
      body: { $.token_type: Bearer, $.scope: read, $.expires_in: { gt: 0 } }
    capture: { token: $.access_token }
  - name: post client
    oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.post.id}, clientSecret: "\${{ secrets.POST_SECRET }}", clientAuth: body }
    expect: { body: { $.token_type: Bearer } }
  - name: use the captured token
    request: { url: "\${{ env.API_URL }}/orders" }
    auth: { bearer: "\${{ token }}" }
`,
    });
    expect(failures(r)).toEqual([]);
    expect(idp.tokenRequests.map((t) => `${t.grant}/${t.auth}`)).toEqual(["client_credentials/basic", "client_credentials/body"]);
    expect(api.requests[0]!.headers.authorization).toMatch(/^Bearer \S{20,}$/);
  });

  test("a wrong client secret is reported with the server's error and error_description", async () => {
    const r = await runSpecs({
      "wrong.yaml": `name: wrong secret
steps:
  - name: token
    oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.basic.id}, clientSecret: not-the-secret }
`,
      "wrong-auth.yaml": `name: wrong secret on a request
steps:
  - name: call the API
    request: { url: "\${{ env.API_URL }}/orders" }
    auth:
      oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.post.id}, clientSecret: also-wrong, clientAuth: body }
`,
    });
    const msgs = failures(r);
    expect(msgs).toEqual([
      `token: token request to ${idp.tokenUrl} failed with 401 invalid_client: client authentication failed`,
      `call the API: token request to ${idp.tokenUrl} failed with 401 invalid_client: client authentication failed`,
    ]);
    expect(r.specs[1]!.steps[0]!.failures[0]!.kind).toBe("auth");
    expect(api.requests).toHaveLength(0); // no request is sent without its token
  });
});

describe("auth problems are step failures, not crashes", () => {
  test("a relative tokenUrl without a baseUrl, and an unreachable token endpoint", async () => {
    const r = await runSpecs({
      "a.yaml": `name: relative token url
steps:
  - name: call
    request: { url: "\${{ env.API_URL }}/x" }
    auth: { oauth2: { tokenUrl: /token, clientId: c, clientSecret: s } }
`,
      "b.yaml": `name: unreachable
steps:
  - name: call
    request: { url: "\${{ env.API_URL }}/x" }
    auth: { oauth2: { tokenUrl: "http://127.0.0.1:1/token", clientId: c, clientSecret: s } }
`,
    });
    expect(failures(r)).toEqual([
      'call: auth: relative url "/token" needs a baseUrl (in the spec, or --base-url)',
      "call: token request to http://127.0.0.1:1/token failed: connection refused (127.0.0.1:1) [ECONNREFUSED]",
    ]);
    expect(r.specs[0]!.steps[0]!.failures[0]!.kind).toBe("template");
    expect(r.specs[1]!.steps[0]!.failures[0]!.kind).toBe("auth");
    expect(api.requests).toHaveLength(0);
  });
});

describe("auth.oauth2: the run-wide token cache", () => {
  test("one token request for many steps and specs; the cached token is sent as Bearer", async () => {
    const spec = (n: number) => `name: spec ${n}
auth:${clientCredentials().replace(/\n/g, "\n ")}
steps:
${[1, 2, 3].map((i) => `  - name: call ${i}\n    request: { url: "\${{ env.API_URL }}/orders/${n}/${i}" }`).join("\n")}
`;
    const r = await runSpecs({ "a.yaml": spec(1), "b.yaml": spec(2), "c.yaml": spec(3) });
    expect(failures(r)).toEqual([]);
    expect(idp.tokenRequests).toHaveLength(1);
    expect(api.requests).toHaveLength(9);
    expect(new Set(api.requests.map((q) => q.headers.authorization)).size).toBe(1);
  });

  test("auth in the suite config, a setup spec, 12 specs with --jobs 4 and a teardown through the CLI: one token request, every call authorized", async () => {
    const files: Record<string, string> = {
      "authspec.config.yaml": `baseUrl: \${{ env.API_URL }}
jobs: 4
setup: [setup.yaml]
teardown: [teardown.yaml]
auth:${clientCredentials().replace(/\n/g, "\n ")}
`,
      "setup.yaml": `name: setup\nsteps:\n  - { name: setup call, request: { url: /setup }, expect: { status: 200 } }\n`,
      "teardown.yaml": `name: teardown\nsteps:\n  - { name: teardown call, request: { url: /teardown }, expect: { status: 200 } }\n`,
    };
    for (let n = 0; n < 12; n++)
      files[`specs/s${String(n).padStart(2, "0")}.yaml`] = `name: spec ${n}\nsteps:\n  - { name: call, request: { url: /orders/${n} }, expect: { status: 200 } }\n`;
    const t = tempDir(files);
    try {
      const r = await runCli(["run", "specs", "--reporter", "json"], { cwd: t.dir, env: ENV() });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as { specs: { name: string }[] };
      expect(report.specs.map((s) => s.name)).toEqual(["setup", ...[...Array(12).keys()].map((n) => `spec ${n}`), "teardown"]);
      expect(idp.tokenRequests).toHaveLength(1);
      expect(api.requests).toHaveLength(14);
      expect(new Set(api.requests.map((q) => q.headers.authorization)).size).toBe(1);
      expect(r.stdout).not.toContain(CLIENTS.basic.secret);
      expect(r.stdout).not.toContain(idp.issued[0]);
    } finally {
      t.cleanup();
    }
  });

  test("a spec with a wrong client secret never gets the token another spec fetched with the right one", async () => {
    const spec = (name: string, secret: string) => `name: ${name}
auth:
  oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.basic.id}, clientSecret: "${secret}" }
steps:
  - { name: ${name} call, request: { url: "\${{ env.API_URL }}/orders" } }
`;
    const r = await runSpecs({ "a.yaml": spec("right", "\${{ secrets.BASIC_SECRET }}"), "b.yaml": spec("wrong", "not-the-secret") });
    expect(failures(r)).toEqual([expect.stringMatching(/^wrong call: token request to \S+ failed with 401 invalid_client/)]);
    expect(idp.tokenRequests).toHaveLength(2);
    expect(api.requests).toHaveLength(1);
  });

  test("concurrent specs share one in-flight token request (library API, one RunContext)", async () => {
    const t = tempDir(
      Object.fromEntries(
        [1, 2, 3, 4, 5, 6].map((n) => [
          `s${n}.yaml`,
          `name: parallel ${n}
auth:${clientCredentials("\n    scope: read").replace(/\n/g, "\n ")}
steps:
  - { name: first, request: { url: "\${{ env.API_URL }}/p/${n}/1" } }
  - { name: second, request: { url: "\${{ env.API_URL }}/p/${n}/2" } }
`,
        ]),
      ),
    );
    const client = new HttpClient();
    try {
      const v = await validate([t.dir]);
      expect(v.diagnostics).toEqual([]);
      const ctx: RunContext = { client, redactor: new Redactor(), env: ENV(), vars: {} };
      const results = await Promise.all(v.specs.map((s) => runSpec(s, ctx)));
      expect(results.map((s) => s.status)).toEqual(Array(6).fill("passed"));
      expect(idp.tokenRequests).toHaveLength(1);
      expect(api.requests).toHaveLength(12);
      // A different scope is a different token.
      const other = v.specs[0]!;
      const changed = { ...other, spec: { ...other.spec, auth: { oauth2: { ...other.spec.auth!.oauth2!, scope: "write" } } } };
      expect((await runSpec(changed, ctx)).status).toBe("passed");
      expect(idp.tokenRequests).toHaveLength(2);
    } finally {
      client.close();
      t.cleanup();
    }
  });

  test("renewal before expiry: a new grant without a refresh token, the refresh token when there is one", async () => {
    const short = await startOidc({ accessTokenTTL: 2 });
    const t = tempDir({
      "cc.yaml": `name: client credentials
auth:
  oauth2: { tokenUrl: "${short.tokenUrl}", clientId: ${CLIENTS.basic.id}, clientSecret: "${CLIENTS.basic.secret}" }
steps:
  - { name: call, request: { url: "\${{ env.API_URL }}/cc" } }
`,
      "pw.yaml": `name: password grant
auth:
  oauth2:
    grant: password
    tokenUrl: "${short.tokenUrl}"
    clientId: ${CLIENTS.basic.id}
    clientSecret: "${CLIENTS.basic.secret}"
    username: ${USER.username}
    password: "\${{ secrets.ALICE_PASSWORD }}"
steps:
  - { name: call, request: { url: "\${{ env.API_URL }}/pw" } }
`,
    });
    const client = new HttpClient();
    try {
      const v = await validate([t.dir]);
      const ctx: RunContext = { client, redactor: new Redactor(), env: ENV(), vars: {} };
      const runAll = async () => {
        for (const s of v.specs) expect((await runSpec(s, ctx)).status).toBe("passed");
      };
      await runAll();
      await runAll(); // still fresh: no token request
      expect(short.tokenRequests.map((q) => q.grant)).toEqual(["client_credentials", "password"]);
      await new Promise((r) => setTimeout(r, 1700)); // renewal is due at 2 s minus a quarter
      await runAll();
      expect(short.tokenRequests.map((q) => q.grant)).toEqual(["client_credentials", "password", "client_credentials", "refresh_token"]);
      const tokens = api.requests.map((q) => q.headers.authorization);
      expect(tokens[0]).toBe(tokens[2]);
      expect(tokens[4]).not.toBe(tokens[0]);
      expect(tokens[5]).not.toBe(tokens[1]);
    } finally {
      client.close();
      t.cleanup();
      await short.close();
    }
  });

  test("retryOn401: a request answered 401 renews its token once and is sent again", async () => {
    // Learn the token the run will use by taking it from the cache through a first request.
    const redactor = new Redactor();
    const t = tempDir({
      "r.yaml": `name: retry
auth:${clientCredentials("\n    scope: write\n    retryOn401: true").replace(/\n/g, "\n ")}
steps:
  - { name: first, request: { url: "\${{ env.API_URL }}/one" } }
  - { name: second, request: { url: "\${{ env.API_URL }}/two" } }
`,
    });
    const client = new HttpClient();
    try {
      const v = await validate([t.dir]);
      const seen: string[] = [];
      const ctx: RunContext = {
        client, redactor, env: ENV(), vars: {},
        onExchange: (x) => {
          seen.push(`${x.step.name}: ${x.request.method} ${new URL(x.request.url).pathname} ${x.response?.status}`);
          // Revoke the API token after its first use.
          if (x.step.name === "first" && x.request.method === "GET") rejectOnce.add(x.request.headers.authorization!.slice(7));
        },
      };
      const res = await runSpec(v.specs[0]!, ctx);
      expect(res.steps.map((s) => s.failures)).toEqual([[], []]);
      // Every exchange is seen (what --verbose prints): the token requests and the 401 before the retry.
      const token = new URL(idp.tokenUrl).pathname;
      expect(seen).toEqual([`first: POST ${token} 200`, "first: GET /one 200", "second: GET /two 401", `second: POST ${token} 200`, "second: GET /two 200"]);
      expect(idp.tokenRequests).toHaveLength(2);
      expect(api.requests.map((q) => q.url)).toEqual(["/one", "/two", "/two"]);
      expect(api.requests[2]!.headers.authorization).not.toBe(api.requests[1]!.headers.authorization);
    } finally {
      client.close();
      t.cleanup();
    }
  });
});

describe("renewal falls back to a new grant when the refresh token is refused", () => {
  test("refresh_token answered invalid_grant -> password grant again", async () => {
    // A stub token endpoint (the fallback needs a server that refuses a refresh token on demand).
    const grants: string[] = [];
    let n = 0;
    const stub = await startServer((req, res) => {
      const form = new URLSearchParams(req.body);
      grants.push(form.get("grant_type")!);
      if (form.get("grant_type") === "refresh_token") return json(res, 400, { error: "invalid_grant", error_description: "refresh token revoked" });
      n++;
      json(res, 200, { access_token: `stub-access-token-${n}`, token_type: "bearer", expires_in: 1, refresh_token: `stub-refresh-${n}` });
    });
    const t = tempDir({
      "s.yaml": `name: fallback
auth: { oauth2: { grant: password, tokenUrl: "${stub.url}/token", clientId: c, clientSecret: s, username: u, password: p } }
steps:
  - { name: call, request: { url: "\${{ env.API_URL }}/f" } }
`,
    });
    const client = new HttpClient();
    try {
      const v = await validate([t.dir]);
      const ctx: RunContext = { client, redactor: new Redactor(), env: ENV(), vars: {} };
      expect((await runSpec(v.specs[0]!, ctx)).status).toBe("passed");
      await new Promise((r) => setTimeout(r, 800)); // 1 s lifetime: renewal due after 0.75 s
      expect((await runSpec(v.specs[0]!, ctx)).status).toBe("passed");
      expect(grants).toEqual(["password", "refresh_token", "password"]);
      expect(api.requests.map((q) => q.headers.authorization)).toEqual(["Bearer stub-access-token-1", "Bearer stub-access-token-2"]);
    } finally {
      client.close();
      t.cleanup();
      await stub.close();
    }
  });
});

describe("JWT access tokens (resource indicators) against the provider's JWKS", () => {
  test("claims, exp and the signature verified with jwksUrl; a wrong key fails with the reason, token masked", async () => {
    const redactor = new Redactor();
    const r = await runSpecs(
      {
        "jwt.yaml": `name: jwt
steps:
  - name: token
    oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.basic.id}, clientSecret: "\${{ secrets.BASIC_SECRET }}", resource: "${API_RESOURCE}", scope: "read write" }
    expect:
      status: 200
      jwt:
        token: $.access_token
        claims:
          iss: "\${{ env.ISSUER }}"
          aud: ${API_RESOURCE}
          client_id: ${CLIENTS.basic.id}
          scope: { matches: "\\\\bread\\\\b" }
          exp: { gt: 1700000000 }
        verify: { jwksUrl: "\${{ env.JWKS_URL }}" }
    capture: { at: $.access_token }
  - name: the captured token, wrong expectations
    request: { url: "\${{ env.API_URL }}/x" }
    auth: { bearer: "\${{ at }}" }
    expect:
      jwt:
        token: "\${{ at }}"
        claims: { aud: other, sub: { exists: false } }
        verify: { secret: "not-the-key-0123456789abcdef0123456789" }
`,
      },
      redactor,
    );
    const msgs = failures(r);
    expect(msgs[0]).toBe("the captured token, wrong expectations: jwt: claim aud: expected \"other\", got \"urn:authspec:api\"");
    expect(msgs[1]).toMatch(/^the captured token, wrong expectations: jwt: claim sub: expected (no value|nothing|.*not.*exist)/);
    expect(msgs[2]).toMatch(/jwt: signature verification failed: .*ERR_JOSE_ALG_NOT_ALLOWED|jwt: signature verification failed: .*(signature|alg|key)/i);
    expect(msgs).toHaveLength(3);
    expect(r.specs[0]!.steps[0]!.status).toBe("passed");
    const token = String(api.requests[0]!.headers.authorization).slice(7);
    expect(redactor.redact(`x ${token} y`)).toBe("x *** y");
  });
});

describe("secrets of OAuth2 flows never leak (CLI, verbose, json and junit reports)", () => {
  test("client secrets, the password, access and refresh tokens and the Basic header are masked", async () => {
    const t = tempDir({
      "leak.yaml": `name: leak
steps:
  - name: password grant token step
    oauth2:
      grant: password
      tokenUrl: \${{ env.TOKEN_URL }}
      clientId: ${CLIENTS.basic.id}
      clientSecret: \${{ secrets.BASIC_SECRET }}
      username: ${USER.username}
      password: \${{ secrets.ALICE_PASSWORD }}
    capture: { rt: $.refresh_token }
  - name: refresh grant used for the API
    request: { url: "\${{ env.API_URL }}/leak" }
    auth:
      oauth2: { grant: refresh_token, tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.basic.id}, clientSecret: "\${{ secrets.BASIC_SECRET }}", refreshToken: "\${{ rt }}" }
  - name: post client, failing on purpose so bodies are shown
    oauth2: { tokenUrl: "\${{ env.TOKEN_URL }}", clientId: ${CLIENTS.post.id}, clientSecret: "\${{ secrets.POST_SECRET }}", clientAuth: body }
    expect: { status: 201 }
`,
    });
    try {
      const r = await runCli(["run", t.dir, "--verbose", "--reporter", "console", "--reporter", `json:${t.path("r.json")}`, "--reporter", `junit:${t.path("r.xml")}`], {
        env: ENV(),
      });
      expect(r.code).toBe(1);
      const all = [r.stdout, r.stderr, readFileSync(t.path("r.json"), "utf8"), readFileSync(t.path("r.xml"), "utf8")].join("\n");
      expect(all).toContain("expected status 201, got 200");
      expect(all).toContain("***");
      // --verbose shows the refresh grant that `auth.oauth2` sent for the second step, masked.
      expect(r.stdout).toMatch(/✓ refresh grant used for the API .*\n\s+> POST \S+\n(\s+> .*\n)*\s+> grant_type=refresh_token&refresh_token=\*\*\*/);
      const basic = Buffer.from(`${CLIENTS.basic.id}:${CLIENTS.basic.secret}`).toString("base64");
      const secrets = [CLIENTS.basic.secret, CLIENTS.post.secret, USER.password, basic];
      for (const s of secrets) expect(all).not.toContain(s);
      expect(idp.issued.length).toBeGreaterThanOrEqual(5); // access + refresh (+ id) tokens of three grants
      for (const token of idp.issued) expect(all).not.toContain(token);
      expect(idp.tokenRequests.map((q) => q.grant)).toEqual(["password", "refresh_token", "client_credentials"]);
    } finally {
      t.cleanup();
    }
  });
});
