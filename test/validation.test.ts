import { readFileSync } from "node:fs";
import { validateText } from "../src/validate/validate.js";
import { formatDiagnostic } from "../src/errors.js";
import { KEYS } from "../src/spec/types.js";
import { validate } from "../src/index.js";
import { ROOT, tempDir } from "./helpers.js";

const check = (src: string, vars: string[] = []) => validateText("s.yaml", src, new Set(vars)).diagnostics.map(formatDiagnostic);

const ok = `name: ok
steps:
  - name: a
    request: { url: http://127.0.0.1/x }
`;

describe("schema validation with positions", () => {
  test("a valid spec has no diagnostics", () => {
    expect(check(ok)).toEqual([]);
  });

  test("misspelled keys point at the key and suggest the closest valid one", () => {
    const src = `name: x
steps:
  - name: a
    request:
      url: http://h/x
      methd: POST
    captrue:
      t: $.t
`;
    expect(check(src)).toEqual([
      "s.yaml:6:7: unknown key `methd`; did you mean `method`? (at /steps/0/request/methd)",
      "s.yaml:7:5: unknown key `captrue`; did you mean `capture`? (at /steps/0/captrue)",
    ]);
  });

  test("missing steps, empty steps, missing name", () => {
    expect(check("name: x\n")).toEqual(["s.yaml:1:1: missing required key `steps` (at /)"]);
    expect(check("name: x\nsteps: []\n")).toEqual(["s.yaml:2:8: a spec needs at least one step (at /steps)"]);
    expect(check("steps:\n  - request: { url: /x }\n")).toEqual([
      "s.yaml:1:1: missing required key `name` (at /)",
      "s.yaml:2:5: missing required key `name` (at /steps/0)",
    ]);
  });

  test("wrong types, enum values with suggestions, status codes and classes", () => {
    const src = `name: x
steps:
  - name: a
    request: { method: post, url: /x, timeout: "10", followRedirects: yes }
    expect:
      status: 7xx
  - name: b
    request: { url: /y }
    expect: { status: [200, 99], maxDuration: 0 }
`;
    expect(check(src)).toEqual([
      's.yaml:4:24: `method` must be one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS; got "post"; did you mean `POST`? (at /steps/0/request/method)',
      's.yaml:4:48: `timeout` must be an integer, got string "10" (at /steps/0/request/timeout)',
      's.yaml:4:71: `followRedirects` must be true or false, got string "yes" (at /steps/0/request/followRedirects)',
      's.yaml:6:15: invalid status "7xx": use a code (100-599), a list of codes, or a class 1xx to 5xx (at /steps/0/expect/status)',
      "s.yaml:9:29: 99 is not an HTTP status code (100-599) (at /steps/1/expect/status/1)",
      "s.yaml:9:47: `maxDuration` must be > 0, got 0 (at /steps/1/expect/maxDuration)",
    ]);
  });

  test("two bodies on one request", () => {
    const src = `name: x
steps:
  - name: a
    request:
      method: POST
      url: /x
      json: { a: 1 }
      body: raw
`;
    expect(check(src)).toEqual(["s.yaml:5:7: a request has at most one body (json, form or body); found json and body (at /steps/0/request)"]);
  });

  test("matchers: unknown keys, empty matchers, bad types, non-JSONPath body keys", () => {
    const src = `name: x
steps:
  - name: a
    request: { url: /x }
    expect:
      body:
        token: 1
        $.a: { equal: 1 }
        $.b: {}
        $.c: { type: strin }
`;
    expect(check(src)).toEqual([
      "s.yaml:7:9: body key `token` is not a JSONPath: it must start with `$` (for example `$.token`) (at /steps/0/expect/body/token)",
      "s.yaml:8:16: unknown key `equal`; did you mean `equals`? (at /steps/0/expect/body/$.a/equal)",
      "s.yaml:9:14: empty matcher: use at least one of equals, notEquals, matches, exists, type, contains, oneOf, gt, gte, lt, lte, length (at /steps/0/expect/body/$.b)",
      's.yaml:10:22: `type` must be one of string, number, integer, boolean, object, array, null; got "strin"; did you mean `string`? (at /steps/0/expect/body/$.c/type)',
    ]);
  });

  test("invalid regexes, JSONPaths and embedded schemas", () => {
    const src = `name: x
steps:
  - name: a
    request: { url: /x }
    expect:
      headers: { content-type: { matches: "(" } }
      body:
        "$.d[?(@.x": 1
      schema: { type: objekt }
    capture:
      c: { jsonpath: "$..[", regex: "[" }
`;
    const out = check(src);
    expect(out).toEqual([
      "s.yaml:6:43: invalid regular expression `(`: Unterminated group (at /steps/0/expect/headers/content-type/matches)",
      "s.yaml:8:9: invalid JSONPath `$.d[?(@.x`: unexpected end of input at character 10 (at /steps/0/expect/body/$.d[?(@.x)",
      expect.stringMatching(/^s\.yaml:9:7: invalid JSON Schema: schema is invalid: data\/type must be equal to one of the allowed values/),
      expect.stringMatching(/^s\.yaml:11:22: invalid JSONPath `\$\.\.\[`: unexpected end of input/),
      "s.yaml:11:37: invalid regular expression `[`: Unterminated character class (at /steps/0/capture/c/regex)",
    ]);
  });

  test("captures: names, sources and non-JSONPath strings", () => {
    const src = `name: x
steps:
  - name: a
    request: { url: /x }
    capture:
      "my var": $.x
      t: token
      u: { header: 1 }
      w: { jsonpath: $.a, header: x }
      v: { regex: "a" }
`;
    expect(check(src)).toEqual([
      "s.yaml:6:7: invalid name `my var`: use letters, digits, `_` and `-`, starting with a letter or `_` (at /steps/0/capture/my var)",
      's.yaml:7:10: capture `t`: "token" is not a JSONPath (it must start with `$`); use { header: NAME } or { cookie: NAME } for other sources (at /steps/0/capture/t)',
      "s.yaml:8:20: `header` must be a string, got number 1 (at /steps/0/capture/u/header)",
      "s.yaml:9:10: capture `w` has 2 sources (jsonpath, header); use exactly one (at /steps/0/capture/w)",
      "s.yaml:10:10: capture `v` needs a source: jsonpath, header or cookie (at /steps/0/capture/v)",
    ]);
  });

  test("duplicate step names and duplicate keys", () => {
    const dupStep = `name: x
steps:
  - name: a
    request: { url: /x }
  - name: a
    request: { url: /y }
`;
    expect(check(dupStep)).toEqual(["s.yaml:5:11: duplicate step name `a` (first used at line 3) (at /steps/1/name)"]);
    expect(check("name: x\nname: y\nsteps: []\n")).toEqual(["s.yaml:2:1: duplicate key `name`"]);
  });

  test("YAML syntax errors, tabs, empty files and alias bombs", () => {
    expect(check("name: [a\n")[0]).toMatch(/^s\.yaml:2:1: YAML syntax error: /);
    expect(check("name: x\nsteps:\n\t- name: a\n")).toEqual(["s.yaml:3:1: YAML syntax error: tabs are not allowed as indentation"]);
    expect(check("")).toEqual(["s.yaml:1:1: the file is empty: a spec needs at least `name` and `steps`"]);
    expect(check("# only a comment\n")).toEqual(["s.yaml:1:1: the file is empty: a spec needs at least `name` and `steps`"]);
    const levels = ["a: &a [x,x,x,x,x,x,x,x,x,x]"];
    for (let i = 1; i < 9; i++) levels.push(`${"abcdefghi"[i]}: &${"abcdefghi"[i]} [${Array(10).fill("*" + "abcdefghi"[i - 1]).join(",")}]`);
    const t0 = performance.now();
    expect(check(levels.join("\n") + "\n")[0]).toMatch(/^s\.yaml:1:1: YAML aliases expand too far/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  test("a spec that is not a mapping", () => {
    expect(check("- a\n- b\n")).toEqual([
      "s.yaml:1:1: `spec` must be a mapping, got a list (at /)",
    ]);
  });

  test("BOM and CRLF files are valid and keep their positions", () => {
    expect(check("\ufeff" + ok)).toEqual([]);
    expect(check(ok.replace(/\n/g, "\r\n"))).toEqual([]);
    const bad = "\ufeffname: x\r\nsteps:\r\n  - name: a\r\n    request: { url: /x, methd: GET }\r\n";
    expect(check(bad)).toEqual(["s.yaml:4:25: unknown key `methd`; did you mean `method`? (at /steps/0/request/methd)"]);
  });
});

describe("auth, token steps, cookies, JWT and TLS keys", () => {
  test("a step needs request or oauth2, not both; auth has exactly one kind; grants need their fields", () => {
    const src = `name: x
auth: { basic: { username: u, password: p }, bearer: t }
steps:
  - name: none
  - name: both
    request: { url: http://h/x }
    oauth2: { tokenUrl: http://h/token, clientId: c }
  - name: password grant
    oauth2: { grant: password, tokenUrl: http://h/token, clientId: c, clientAuth: post }
  - name: refresh
    request: { url: http://h/x }
    auth: { oauth2: { grant: refresh_token, tokenUrl: http://h/token, clientId: c, scopes: read } }
`;
    expect(check(src)).toEqual([
      "s.yaml:2:7: `auth` takes exactly one of oauth2, basic, bearer; found basic and bearer (at /auth)",
      "s.yaml:4:5: missing required key `request` (or `oauth2` for a token step) (at /steps/0)",
      "s.yaml:7:5: a step has either `request` or `oauth2` (a token step), not both (at /steps/1/oauth2)",
      "s.yaml:9:13: missing required key `username` (at /steps/2/oauth2)",
      "s.yaml:9:13: missing required key `password` (at /steps/2/oauth2)",
      "s.yaml:9:83: `clientAuth` must be one of basic, body; got \"post\" (at /steps/2/oauth2/clientAuth)",
      "s.yaml:12:21: missing required key `refreshToken` (at /steps/3/auth/oauth2)",
      "s.yaml:12:84: unknown key `scopes`; did you mean `scope`? (at /steps/3/auth/oauth2/scopes)",
    ]);
  });

  test("expect.jwt, expect.cookies, tls and defaults: keys, JSONPaths and templates are checked", () => {
    const src = `name: x
defaults: { tls: { ca: ./ca.pem, insecure: "yes" } }
auth: { bearer: "\${{ tokn }}" }
variables: { token: t }
steps:
  - name: a
    request: { url: http://h/x, tls: { cert: c.pem, keys: k.pem }, trustRedirects: true, cookies: false }
    expect:
      cookies: { sid: { httpOnly: yes, sameSite: lax } }
      jwt: { token: "$.[", claims: { scope: { matches: "(" } } }
  - name: b
    request: { url: http://h/x }
    expect:
      jwt: { token: access_token, verify: { jwksUrl: http://h/jwks, secret: s } }
`;
    expect(check(src)).toEqual([
      's.yaml:2:44: `insecure` must be true or false, got string "yes" (at /defaults/tls/insecure)',
      "s.yaml:3:18: unknown variable `tokn`: not defined in `variables`, by --var, or by a capture of an earlier step; did you mean `token`? (at /auth/bearer)",
      "s.yaml:7:53: unknown key `keys`; did you mean `key`? (at /steps/0/request/tls/keys)",
      's.yaml:9:35: `httpOnly` must be true or false, got string "yes" (at /steps/0/expect/cookies/sid/httpOnly)',
      's.yaml:9:50: `sameSite` must be one of Strict, Lax, None; got "lax"; did you mean `Lax`? (at /steps/0/expect/cookies/sid/sameSite)',
      "s.yaml:10:21: invalid JSONPath `$.[`: unexpected `[` at character 3 (at /steps/0/expect/jwt/token)",
      "s.yaml:10:56: invalid regular expression `(`: Unterminated group (at /steps/0/expect/jwt/claims/scope/matches)",
      "s.yaml:14:21: jwt.token must be a JSONPath into the body (such as `$.access_token`) or a template such as `${{ token }}` (at /steps/1/expect/jwt/token)",
      "s.yaml:14:43: `verify` takes exactly one of jwksUrl, secret, publicKey; found jwksUrl and secret (at /steps/1/expect/jwt/verify)",
    ]);
  });
});

describe("template checks", () => {
  test("unknown variables, later captures, variable order, bad and unclosed templates", () => {
    const src = `name: x
variables:
  a: "\${{ b }}"
  b: 1
steps:
  - name: one
    request: { url: "/x/\${{ tokn }}" }
    capture: { token: $.t }
  - name: two
    request: { url: "/y/\${{ token }}/\${{ later }}/\${{ process.exit() }}" }
  - name: three
    request: { url: "/z/\${{ x" }
    capture: { later: $.x }
`;
    expect(check(src)).toEqual([
      "s.yaml:3:7: variable `b` is defined after this one: a variable can use only the variables before it (at /variables/a)",
      "s.yaml:7:25: unknown variable `tokn`: not defined in `variables`, by --var, or by a capture of an earlier step (at /steps/0/request/url)",
      "s.yaml:10:38: variable `later` is captured only by a later step (`three`): a capture is visible to the steps after it (at /steps/1/request/url)",
      "s.yaml:10:51: invalid template `${{ process.exit() }}`: a template is a variable name, env.NAME or secrets.NAME; expressions are not evaluated (at /steps/1/request/url)",
      "s.yaml:12:25: unclosed template: `${{` without a matching `}}` (at /steps/2/request/url)",
    ]);
  });

  test("--var names count as defined", () => {
    const src = `name: x
steps:
  - name: a
    request: { url: "http://h/\${{ id }}" }
`;
    expect(check(src)).toHaveLength(1);
    expect(check(src, ["id"])).toEqual([]);
  });
});

describe("validate() over files", () => {
  test("every problem of every file is reported; valid files are listed", async () => {
    const t = tempDir({ "a.yaml": ok, "b.yaml": "name: b\nsteps: []\n", "sub/c.yml": "name: [\n", "notes.txt": "ignored" });
    try {
      const r = await validate([t.dir], { cwd: t.dir });
      expect(r.ok).toBe(false);
      expect(r.files).toEqual(["a.yaml", "b.yaml", "sub/c.yml"]);
      expect(r.specs.map((s) => s.file)).toEqual(["a.yaml"]);
      expect(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}`)).toEqual(["b.yaml:2:8", "sub/c.yml:2:1"]);
    } finally {
      t.cleanup();
    }
  });

  test("globs and missing paths", async () => {
    const t = tempDir({ "x/a.yaml": ok, "x/b.yaml": ok });
    try {
      expect((await validate(["x/*.yaml"], { cwd: t.dir })).files).toEqual(["x/a.yaml", "x/b.yaml"]);
      const missing = await validate(["nope.yaml"], { cwd: t.dir });
      expect(missing.ok).toBe(false);
      expect(missing.diagnostics[0]!.message).toBe("no such file or directory: nope.yaml");
    } finally {
      t.cleanup();
    }
  });

  test("the example specs are valid", async () => {
    const r = await validate(["specs"], { cwd: ROOT });
    expect(r.diagnostics).toEqual([]);
    expect(r.specs.length).toBeGreaterThanOrEqual(3);
  });
});

describe("schemas/ is the source of truth for the types", () => {
  const schema = JSON.parse(readFileSync(new URL("../schemas/spec.schema.json", import.meta.url), "utf8"));
  const config = JSON.parse(readFileSync(new URL("../schemas/config.schema.json", import.meta.url), "utf8"));
  const props = (o: { properties: object }) => Object.keys(o.properties);
  test("every object type's keys equal the schema's properties", () => {
    expect([...KEYS.spec]).toEqual(props(schema));
    expect([...KEYS.step]).toEqual(props(schema.$defs.step));
    expect([...KEYS.request]).toEqual(props(schema.$defs.request));
    expect([...KEYS.expect]).toEqual(props(schema.$defs.expect));
    expect([...KEYS.matcherObject]).toEqual(props(schema.$defs.matcherObject));
    expect([...KEYS.capture]).toEqual(props(schema.$defs.capture));
    expect([...KEYS.defaults]).toEqual(props(schema.$defs.defaults));
    expect([...KEYS.retry]).toEqual(props(schema.$defs.step.properties.retry));
    expect([...KEYS.config]).toEqual(props(config));
    expect([...KEYS.environment]).toEqual(props(config.$defs.environment));
    expect([...KEYS.auth]).toEqual(props(schema.$defs.auth));
    expect([...KEYS.oauth2]).toEqual(props(schema.$defs.oauth2));
    expect([...KEYS.tls]).toEqual(props(schema.$defs.tls));
    expect([...KEYS.cookieExpect]).toEqual(props(schema.$defs.cookieExpect));
    expect([...KEYS.jwt]).toEqual(props(schema.$defs.jwt));
  });
  test("the required keys and enums match", () => {
    expect(schema.required).toEqual(["name", "steps"]);
    expect(schema.$defs.step.if.required).toEqual(["include"]);
    expect(schema.$defs.step.else.required).toEqual(["name"]);
    expect(schema.$defs.step.else.oneOf).toEqual([{ required: ["request"] }, { required: ["oauth2"] }]);
    expect(schema.$defs.oauth2.required).toEqual(["tokenUrl", "clientId"]);
    expect(schema.$defs.oauth2.properties.grant.enum).toEqual(["client_credentials", "password", "refresh_token"]);
    expect(schema.$defs.request.properties.method.enum).toEqual(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
    expect(schema.$defs.matcherObject.properties.type.enum).toEqual(["string", "number", "integer", "boolean", "object", "array", "null"]);
  });
});
