// Review fixes on the validation/config side: spec defaults that use the spec's own captures (also an
// include's), one diagnostic per missing env var, environment variables defined after the top-level ones,
// and env lookups that never find Object.prototype's members. Runs go against a server on 127.0.0.1.
import { run, validate } from "../src/index.js";
import { json, startServer, tempDir, type TestServer } from "./helpers.js";

const TOKEN = "tok-review-51c0";
let server: TestServer;

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/login" && req.method === "POST") return json(res, 200, { token: TOKEN });
    if (url.pathname === "/me")
      return req.headers.authorization === `Bearer ${TOKEN}` ? json(res, 200, { name: "alice" }) : json(res, 401, { error: "unauthorized" });
    if (url.pathname === "/echo") return json(res, 200, { headers: req.headers });
    return json(res, 404, { error: "not_found" });
  });
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const env = () => ({ API_URL: server.url });

async function inDir<T>(files: Record<string, string>, fn: (dir: string) => Promise<T>): Promise<T> {
  const t = tempDir(files);
  try {
    return await fn(t.dir);
  } finally {
    t.cleanup();
  }
}

describe("a spec's defaults may use the spec's own captures", () => {
  test("a login step's capture: validates, and the header is left out until the token is captured", async () => {
    const spec = `name: spec defaults
baseUrl: \${{ env.API_URL }}
defaults: { headers: { Authorization: "Bearer \${{ token }}" } }
steps:
  - name: login
    request: { method: POST, url: /login }
    capture: { token: $.token }
  - name: me
    request: { url: /me }
    expect: { status: 200 }
`;
    await inDir({ "s.yaml": spec }, async (dir) => {
      const v = await validate(["s.yaml"], { cwd: dir });
      expect(v.diagnostics).toEqual([]);
      const r = await run(["s.yaml"], { cwd: dir, env: env() });
      expect(r.diagnostics).toEqual([]);
      expect(r.specs[0]!.steps.map((s) => [s.name, s.status])).toEqual([["login", "passed"], ["me", "passed"]]);
      expect(server.requests.map((q) => [q.url, q.headers.authorization])).toEqual([["/login", undefined], ["/me", `Bearer ${TOKEN}`]]);
    });
  });

  test("an include step's capture counts too; a name nobody captures is still an error", async () => {
    const flow = `name: login flow
steps:
  - name: post credentials
    request: { method: POST, url: /login }
    capture: { token: $.token }
`;
    const spec = (name: string) => `name: include defaults
baseUrl: \${{ env.API_URL }}
defaults: { headers: { Authorization: "Bearer \${{ ${name} }}" } }
steps:
  - include: flows/login.yaml
  - name: me
    request: { url: /me }
    expect: { status: 200 }
`;
    await inDir({ "flows/login.yaml": flow, "s.yaml": spec("token") }, async (dir) => {
      const r = await run(["s.yaml"], { cwd: dir, env: env() });
      expect(r.diagnostics).toEqual([]);
      expect(r.specs[0]!.steps.map((s) => s.status)).toEqual(["passed", "passed"]);
      expect(server.requests.map((q) => q.headers.authorization)).toEqual([undefined, `Bearer ${TOKEN}`]);
    });
    await inDir({ "flows/login.yaml": flow, "s.yaml": spec("tokn") }, async (dir) => {
      const v = await validate(["s.yaml"], { cwd: dir });
      expect(v.diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.message}`)).toEqual([
        "s.yaml:3:47 unknown variable `tokn`: not defined in `variables`, by --var, or by a capture of an earlier step; did you mean `token`?",
      ]);
    });
  });

  test("one missing env var in a spec's defaults gives one diagnostic", async () => {
    const spec = `name: env in defaults
baseUrl: \${{ env.API_URL }}
defaults: { headers: { X-Key: "\${{ env.REVIEW_MISSING_KEY }}" } }
steps:
  - name: echo
    request: { url: /echo }
`;
    await inDir({ "s.yaml": spec }, async (dir) => {
      const r = await run(["s.yaml"], { cwd: dir, env: env() });
      expect(r.exitCode).toBe(2);
      expect(r.diagnostics.map((d) => `${d.file}:${d.line} ${d.message}`)).toEqual([
        "s.yaml:3 environment variable `REVIEW_MISSING_KEY` is not set (used as env.REVIEW_MISSING_KEY)",
      ]);
      expect(server.requests).toEqual([]);
    });
  });
});

test("an environment's variable that overrides a top-level one may use the top-level variables after it", async () => {
  const config = `baseUrl: \${{ env.API_URL }}
variables: { user: a, host: h }
environments:
  staging:
    variables: { user: "bot@\${{ host }}" }
`;
  const spec = `name: echo
steps:
  - name: echo
    request: { url: /echo, headers: { X-User: "\${{ user }}" } }
    expect: { body: { "$.headers['x-user']": bot@h } }
`;
  await inDir({ "authspec.config.yaml": config, "s.yaml": spec }, async (dir) => {
    const r = await run(["s.yaml"], { cwd: dir, env: env(), envName: "staging" });
    expect(r.diagnostics).toEqual([]);
    expect(r.specs[0]!.steps[0]!.failures).toEqual([]);
    const plain = await run(["s.yaml"], { cwd: dir, env: env() });
    expect(plain.specs[0]!.steps[0]!.failures.map((f) => f.message)).toEqual([expect.stringContaining("bot@h")]);
  });
});

test("env.* and secrets.* in a config never find Object.prototype's members", async () => {
  const spec = `name: echo
steps:
  - name: echo
    request: { url: /echo }
`;
  for (const [config, name, label] of [
    ["baseUrl: ${{ env.toString }}\n", "toString", "env.toString"],
    ["baseUrl: ${{ env.API_URL }}\nvariables: { k: \"${{ secrets.constructor }}\" }\n", "constructor", "secrets.constructor"],
    ["baseUrl: ${{ env.API_URL }}\ndefaults: { headers: { X-K: \"${{ env.hasOwnProperty }}\" } }\n", "hasOwnProperty", "env.hasOwnProperty"],
  ] as const) {
    await inDir({ "authspec.config.yaml": config, "s.yaml": spec }, async (dir) => {
      const r = await run(["s.yaml"], { cwd: dir, env: env() });
      expect(r.exitCode).toBe(2);
      expect(r.diagnostics.map((d) => `${d.file} ${d.message}`)).toEqual([`authspec.config.yaml environment variable \`${name}\` is not set (used as ${label})`]);
      expect(server.requests).toEqual([]);
    });
  }
});

test("suiteValues' scope finds only own string env values (not Object.prototype's members)", async () => {
  const { suiteValues } = await import("../src/suite/run-suite.js");
  const { loadConfig } = await import("../src/suite/config.js");
  await inDir({ "authspec.config.yaml": "baseUrl: ${{ env.toString }}\nvariables: { k: \"${{ secrets.constructor }}\" }\n" }, async (dir) => {
    const { config } = loadConfig({ cwd: dir, vars: new Set() });
    const v = { config } as Parameters<typeof suiteValues>[0];
    expect(() => suiteValues(v, { env: {}, vars: {} })).toThrow("secrets.constructor");
    expect(() => suiteValues(v, { env: { constructor: "c" }, vars: {} })).toThrow("env.toString");
    expect(suiteValues(v, { env: { constructor: "c", toString: "http://127.0.0.1:1" }, vars: {} })).toMatchObject({ vars: { k: "c" }, baseUrl: "http://127.0.0.1:1" });
  });
});
