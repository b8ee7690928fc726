// Property-based fuzzing (fast-check): generated and mutated specs, run against a server whose
// responses are generated too. authspec must never throw, never exit with a code other than 0, 1 or 2,
// and always write a JSON report valid against schemas/report.schema.json. Most cases run through the
// library API in-process; a smaller number through the CLI. Suites are generated too: a config (defaults,
// auth, environments, setup), specs with include steps and auth blocks, and the flows they include (cycles,
// escapes and missing files among them). Seeds are fixed so a failure reproduces.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import type { ValidateFunction } from "ajv";
import { stringify } from "yaml";
import { JsonReporter, Output, Redactor, run, VERSION } from "../src/index.js";
import { validateText } from "../src/validate/validate.js";
import generatedValidateReport from "../src/generated/validate-report.js";
import { runCli, startServer, type TestServer } from "./helpers.js";

const validateReport = generatedValidateReport as unknown as ValidateFunction;

// ---------------------------------------------------------------------------------------------
// server responses

interface Reply {
  status: number;
  contentType?: string;
  gzip: boolean;
  setCookie?: string;
  body: Buffer;
}

const jsonValue = fc.jsonValue({ maxDepth: 3 });
const replyArb: fc.Arbitrary<Reply> = fc.record({
  status: fc.oneof(fc.constantFrom(200, 201, 204, 301, 304, 400, 401, 404, 500, 503), fc.integer({ min: 200, max: 599 })),
  contentType: fc.option(fc.constantFrom("application/json", "application/json; charset=utf-8", "text/html", "text/plain", "application/octet-stream", "application/problem+json", ";;"), { nil: undefined }),
  gzip: fc.boolean(),
  setCookie: fc.option(fc.constantFrom("sid=abc123; Path=/", "a=b", "=", "sid", "x=y; Expires=garbage"), { nil: undefined }),
  body: fc.oneof(
    jsonValue.map((v) => Buffer.from(JSON.stringify(v))),
    jsonValue.map((v) => {
      const s = JSON.stringify(v);
      return Buffer.from(s.slice(0, Math.max(0, s.length - 1))); // truncated JSON
    }),
    fc.constant(Buffer.from('{"token":"tok-123456","access_token":"at-abcdef","user":{"name":"alice","roles":["reader"]},"items":[1,2,3]}')),
    fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  ),
});

// ---------------------------------------------------------------------------------------------
// specs: mostly well-formed parts, with garbage mixed in at every level

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/);
const garbage = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }));
const maybeGarbage = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: garbage });
const template = fc.oneof(
  ident.map((n) => `\${{ ${n} }}`),
  fc.constantFrom("${{ token }}", "${{ env.FUZZ_ENV }}", "${{ secrets.FUZZ_SECRET }}", "${{ env.UNSET_VAR }}", "${{ ", "${{ a + b }}", "}}", "${{ constructor }}"),
);
const text = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 16 }) }, { weight: 2, arbitrary: template }, { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 6 }), template).map(([a, b]) => a + b) });
const jsonPath = fc.oneof(
  fc.constantFrom("$", "$.token", "$.user.name", "$.items[0]", "$.items[*]", "$..name", "$[?@.a > 1]", "$.items[-1]", "$['a b']", "$[", "$..[?(@.x)]", "$.a.length"),
  fc.string({ maxLength: 10 }).map((s) => "$" + s),
);
const matcher = fc.oneof(
  jsonValue,
  template,
  fc.dictionary(
    fc.constantFrom("equals", "notEquals", "matches", "exists", "type", "contains", "oneOf", "gt", "gte", "lt", "lte", "length", "equal"),
    fc.oneof(jsonValue, fc.constantFrom("^a", "(", "[a-", "string", "number", "object"), fc.boolean()),
    { maxKeys: 3 },
  ),
);
const status = fc.oneof(fc.integer({ min: 0, max: 999 }), fc.constantFrom("2xx", "4xx", "6xx", "xx", "200"), fc.array(fc.integer({ min: 90, max: 610 }), { maxLength: 3 }));
const capture = fc.oneof(
  jsonPath,
  fc.record(
    { jsonpath: jsonPath, header: fc.constantFrom("content-type", "x-none", ""), cookie: fc.constantFrom("sid", "a", ""), regex: fc.constantFrom("(\\w+)", "(", "x", ".*"), secret: fc.boolean() },
    { requiredKeys: [] },
  ),
);
const request = (url: string) =>
  fc.record(
    {
      method: maybeGarbage(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "get")),
      url: maybeGarbage(fc.oneof(fc.constant(url), fc.string({ maxLength: 8 }).map((s) => `${url}/${s}`), text.map((s) => `${url}/${s}`), fc.constantFrom("/rel", "http://", "ftp://x", ":::"))),
      query: maybeGarbage(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(text, fc.integer(), fc.boolean()), { maxKeys: 2 })),
      headers: maybeGarbage(fc.dictionary(fc.constantFrom("x-a", "Authorization", "Cookie", "content-type", "X Bad", ""), fc.oneof(text, fc.integer()), { maxKeys: 2 })),
      json: jsonValue,
      form: maybeGarbage(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(text, fc.integer()), { maxKeys: 2 })),
      body: maybeGarbage(text),
      timeout: maybeGarbage(fc.integer({ min: 1, max: 3000 })),
      followRedirects: maybeGarbage(fc.boolean()),
      maxResponseSize: maybeGarbage(fc.integer({ min: 1, max: 100_000 })),
    },
    { requiredKeys: ["url"] },
  );
const step = (url: string) =>
  fc.record(
    {
      name: maybeGarbage(fc.string({ minLength: 1, maxLength: 10 })),
      request: maybeGarbage(request(url)),
      expect: maybeGarbage(
        fc.record(
          {
            status,
            headers: fc.dictionary(fc.constantFrom("content-type", "set-cookie", "x-none"), matcher, { maxKeys: 2 }),
            body: fc.dictionary(jsonPath, matcher, { maxKeys: 3 }),
            schema: fc.oneof(fc.boolean(), fc.constant({ type: "object" }), fc.constant({ type: "nope" }), fc.constant({ required: ["token"] })),
            maxDuration: maybeGarbage(fc.integer({ min: -1, max: 5000 })),
          },
          { requiredKeys: [] },
        ),
      ),
      capture: fc.dictionary(fc.oneof(ident, fc.constant("token")), capture, { maxKeys: 2 }),
    },
    { requiredKeys: ["name", "request"] },
  );
const specArb = (url: string) =>
  fc.record(
    {
      name: maybeGarbage(fc.string({ minLength: 1, maxLength: 12 })),
      description: fc.string({ maxLength: 10 }),
      tags: maybeGarbage(fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 })),
      variables: maybeGarbage(fc.dictionary(fc.oneof(ident, fc.constantFrom("__proto__", "constructor", "bad name")), fc.oneof(jsonValue, text), { maxKeys: 3 })),
      steps: maybeGarbage(fc.array(step(url), { minLength: 0, maxLength: 4 })),
      maxResponseSize: maybeGarbage(fc.integer({ min: 1, max: 1_000_000 })),
    },
    { requiredKeys: ["name", "steps"] },
  );

/** Specs that are valid (so they run), with values that are still arbitrary: names, bodies, headers, expectations. */
const validTemplate = fc.constantFrom("${{ token }}", "${{ v1 }}", "${{ env.FUZZ_ENV }}", "${{ secrets.FUZZ_SECRET }}");
const validText = fc.oneof(fc.string({ maxLength: 12 }).filter((s) => !s.includes("${{")), validTemplate, fc.tuple(fc.string({ maxLength: 6 }).filter((s) => !s.includes("$")), validTemplate).map(([a, b]) => a + b));
const validMatcher = fc.oneof(
  jsonValue,
  validTemplate,
  fc.record({ type: fc.constantFrom("string", "number", "integer", "boolean", "object", "array", "null") }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ matches: fc.constantFrom("^a", "\\d+", ".*", "tok") }),
  fc.record({ length: fc.oneof(fc.nat(5), fc.record({ gte: fc.nat(5) })) }),
  fc.record({ contains: fc.oneof(fc.string({ maxLength: 3 }), fc.integer()) }),
  fc.record({ gt: fc.integer() }),
);
const validPath = fc.constantFrom("$", "$.token", "$.user.name", "$.items[0]", "$.items[*]", "$..name", "$[?@ > 1]", "$.items[-1]", "$['a b']", "$.user.roles");
const validSpecArb = (url: string) =>
  fc
    .record({
      name: fc.string({ minLength: 1, maxLength: 12 }),
      v1: jsonValue,
      steps: fc.array(
        fc.record(
          {
            method: fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"),
            path: fc.string({ maxLength: 8 }).filter((s) => !s.includes("${{")),
            query: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), validText, { maxKeys: 2 }),
            headers: fc.dictionary(fc.constantFrom("x-a", "authorization", "cookie", "x-b"), validText, { maxKeys: 2 }),
            body: fc.oneof(fc.record({ json: jsonValue }), fc.record({ form: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), validText, { maxKeys: 2 }) }), fc.record({ body: validText })),
            status: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom("2xx", "4xx", "5xx"), fc.array(fc.integer({ min: 100, max: 599 }), { minLength: 1, maxLength: 3 })),
            expectBody: fc.dictionary(validPath, validMatcher, { maxKeys: 3 }),
            schema: fc.constantFrom(true, { type: "object" }, { required: ["token"] }),
            captureToken: fc.boolean(),
            maxResponseSize: fc.integer({ min: 1, max: 100_000 }),
          },
          { requiredKeys: ["method", "path"] },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .map(({ name, v1, steps }) => ({
      name,
      variables: { token: "t", v1 },
      steps: steps.map((st, i) => ({
        name: `step ${i}`,
        request: {
          method: st.body && (st.method === "GET" || st.method === "HEAD") ? "POST" : st.method,
          url: `${url}/${encodeURIComponent(st.path)}`,
          ...(st.query ? { query: st.query } : {}),
          ...(st.headers ? { headers: st.headers } : {}),
          ...(st.body ?? {}),
          ...(st.maxResponseSize ? { maxResponseSize: st.maxResponseSize } : {}),
        },
        expect: { ...(st.status !== undefined ? { status: st.status } : {}), ...(st.expectBody ? { body: st.expectBody } : {}), ...(st.schema !== undefined ? { schema: st.schema } : {}) },
        ...(st.captureToken ? { capture: { token: "$.token" } } : {}),
      })),
    }));

/** Replace one node of a JSON-like value (picked by index in a walk) with garbage. */
function replaceNode(value: unknown, pick: number, by: unknown): unknown {
  let i = 0;
  const walk = (v: unknown): unknown => {
    if (i++ === pick) return by;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
}

/** Text-level mutations of a serialized spec: what hand-edited files look like. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), len: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), what: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("\t", ": ", "- ", "&a ", "*a", "{", "]", "'", '"', "\0", "\ufeff", "\r\n", "\n  ", "#", "!!js/function ", "${{", "<<: *a\n")) }),
  fc.record({ kind: fc.constant("duplicateLine" as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, ms: Mutation[]): string {
  for (const m of ms) {
    const at = text.length ? m.at % (text.length + 1) : 0;
    if (m.kind === "delete") text = text.slice(0, at) + text.slice(at + m.len);
    else if (m.kind === "insert") text = text.slice(0, at) + m.what + text.slice(at);
    else {
      const lines = text.split("\n");
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i]!);
      text = lines.join("\n");
    }
  }
  return text;
}

function toYaml(spec: unknown): string {
  return stringify(spec, { lineWidth: 0 });
}

/** One case: a valid spec (most often), a valid spec with one node replaced, a loose spec, or mutated text. */
const caseArb = (url: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: validSpecArb(url).map(toYaml) },
    { weight: 2, arbitrary: fc.tuple(validSpecArb(url), fc.nat(40), garbage).map(([spec, pick, by]) => toYaml(replaceNode(spec, pick, by))) },
    { weight: 1, arbitrary: specArb(url).map(toYaml) },
    { weight: 2, arbitrary: fc.tuple(validSpecArb(url), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([spec, ms]) => mutate(toYaml(spec), ms)) },
  );

// ---------------------------------------------------------------------------------------------
// suites: a config, specs with includes and auth blocks, and flows

/**
 * The parts of a suite. With `bad`, any part may be wrong (garbage, an unknown enum value, a missing key, a
 * cycle, an escape); without, every part is valid and only the values vary, so that suites reach the runner
 * and the server (a suite has many parts: each one wrong now and then would leave no valid suite at all).
 */
function suiteArbs(url: string, bad: boolean) {
  const or = <T, U>(ok: fc.Arbitrary<T>, wrong: fc.Arbitrary<U>): fc.Arbitrary<T | U> => (bad ? fc.oneof({ weight: 3, arbitrary: ok }, { weight: 1, arbitrary: wrong }) : ok);
  const g = <T>(ok: fc.Arbitrary<T>) => or(ok, garbage);
  // In the config only env.* / secrets.* and the config's own variables are known (`token` is one).
  const configText = or(fc.oneof(fc.string({ maxLength: 12 }).filter((x) => !x.includes("${{")), fc.constantFrom("${{ env.FUZZ_ENV }}", "${{ secrets.FUZZ_SECRET }}", "${{ token }}")), fc.constantFrom("${{ nope }}", "${{ ", "${{ a + b }}"));
  const authArb = (txt: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
    or(
      fc.oneof(
        fc.record({
          oauth2: fc.record(
            {
              grant: or(fc.constant("client_credentials"), fc.constantFrom("client_credential", "password", "refresh_token")),
              tokenUrl: or(fc.constantFrom(`${url}/token`, "/token"), garbage),
              clientId: g(fc.constantFrom("client", "c")),
              clientSecret: txt,
              clientAuth: or(fc.constantFrom("basic", "body"), fc.constant("post")),
              scope: fc.string({ maxLength: 6 }),
              params: fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.oneof(txt, fc.integer()), { maxKeys: 2 }),
              retryOn401: fc.boolean(),
            },
            { requiredKeys: ["tokenUrl", "clientId"] },
          ),
        }),
        fc.record({ oauth2: fc.record({ grant: fc.constant("password"), tokenUrl: fc.constant(`${url}/token`), clientId: fc.constant("c"), username: txt, password: txt }) }),
        fc.record({ basic: fc.record({ username: txt, password: txt }) }),
        fc.record({ bearer: txt }),
      ),
      fc.oneof(fc.constantFrom({}, { basic: { username: "u", password: "p" }, bearer: "t" }, { basic: { username: "u" } }), garbage),
    );
  const tlsArb = or(fc.record({ insecure: fc.constant(false), ca: fc.constantFrom("missing.pem", "authspec.config.yaml"), passphrase: configText }, { requiredKeys: [] }), garbage);
  const config = fc.record(
    {
      baseUrl: or(fc.constant(url), fc.constantFrom("${{ nope }}", 42)),
      variables: or(fc.dictionary(ident, fc.oneof(jsonValue, fc.string({ maxLength: 8 }).filter((x) => !x.includes("${{"))), { maxKeys: 3 }).map((v) => ({ ...v, token: "t" })), fc.constantFrom({ "bad name": 1 }, [])),
      defaults: fc.record(
        {
          headers: fc.dictionary(fc.constantFrom("x-a", "Authorization", "Cookie"), configText, { maxKeys: 2 }),
          timeout: g(fc.integer({ min: 1, max: 2000 })),
          followRedirects: g(fc.boolean()),
          tls: tlsArb,
          maxResponseSize: g(fc.integer({ min: 1, max: 100_000 })),
        },
        { requiredKeys: [] },
      ),
      auth: authArb(configText),
      environments: g(fc.dictionary(fc.constantFrom("ci", "staging"), fc.record({ baseUrl: fc.constant(url), variables: fc.dictionary(ident, configText, { maxKeys: 2 }) }, { requiredKeys: [] }), { maxKeys: 2 })),
      setup: or(fc.array(fc.constant("flows/setup.yaml"), { maxLength: 1 }), fc.constantFrom(["missing.yaml"], "flows/setup.yaml")),
      teardown: or(fc.array(fc.constant("flows/setup.yaml"), { maxLength: 1 }), fc.constant(["missing.yaml"])),
      jobs: or(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, "4")),
    },
    { requiredKeys: [] },
  );
  const includeStep = fc
    .record(
      {
        include: or(fc.constantFrom("../flows/f.yaml", "../flows/g.yaml"), fc.constantFrom("../flows/missing.yaml", "../../outside.yaml", "/etc/hostname", "s0.yaml")),
        name: fc.string({ minLength: 1, maxLength: 8 }),
        variables: or(fc.dictionary(fc.constant("user"), validText, { maxKeys: 1 }), fc.constant({ unknown: 1 })),
      },
      { requiredKeys: ["include"] },
    )
    .chain((st) => (bad ? fc.nat(5).map((k) => (k === 0 ? { ...st, request: { url: "/x" } } : st)) : fc.constant(st)));
  const spec = fc
    .tuple(validSpecArb(url), fc.array(fc.tuple(fc.nat(4), includeStep), { maxLength: 2 }), fc.option(authArb(validText), { nil: undefined }), fc.array(fc.tuple(fc.nat(4), authArb(validText)), { maxLength: 2 }), fc.option(tlsArb, { nil: undefined, freq: 4 }))
    .map(([sp, includes, auth, stepAuths, tls]) => {
      const steps: unknown[] = [...sp.steps];
      for (const [at, a] of stepAuths) steps[at % steps.length] = { ...(steps[at % steps.length] as object), auth: a };
      for (const [at, inc] of includes) steps.splice(at % (steps.length + 1), 0, inc);
      return { ...sp, ...(auth !== undefined ? { auth } : {}), ...(tls !== undefined ? { defaults: { tls } } : {}), steps };
    });
  const flow = (other: string | undefined) =>
    fc.record({ includeOther: fc.boolean(), capture: fc.boolean(), status: fc.constantFrom(200, "2xx", "4xx") }).map(({ includeOther, capture, status }) => ({
      name: "flow",
      variables: { user: "u" },
      steps: [
        { name: "flow step", request: { url: `${url}/flow`, headers: { "x-user": "${{ user }}" } }, expect: { status }, ...(capture ? { capture: { token: "$.token" } } : {}) },
        ...(includeOther && other ? [{ include: other }] : []),
      ],
    }));
  const maybeMutated = <T>(arb: fc.Arbitrary<T>) => or(arb.map(toYaml), fc.tuple(arb, fc.array(mutation, { minLength: 1, maxLength: 2 })).map(([x, ms]) => mutate(toYaml(x), ms)));
  return fc.record({
    config: fc.option(maybeMutated(config), { nil: undefined, freq: 5 }),
    specs: fc.array(maybeMutated(spec), { minLength: 1, maxLength: 3 }),
    // f may include g; g includes nothing, or (bad) itself: a cycle; the setup flow includes nothing.
    flows: fc.record({ f: flow("g.yaml").map(toYaml), g: or(flow(undefined), flow("g.yaml")).map(toYaml), setup: flow(undefined).map(toYaml) }),
  });
}

interface SuiteCase {
  config?: string;
  specs: string[];
  flows: { f: string; g: string; setup: string };
}

const suiteCaseArb = (url: string): fc.Arbitrary<SuiteCase> => fc.oneof(suiteArbs(url, false), suiteArbs(url, true));

/** Responses for suites: those of replyArb, or a token response (so that auth.oauth2 gets a token). */
const suiteReplyArb = fc.oneof(
  replyArb,
  fc.record({
    status: fc.constant(200),
    contentType: fc.constant("application/json"),
    gzip: fc.constant(false),
    body: fc.constantFrom(
      Buffer.from('{"access_token":"at-fuzz-0123456789","token_type":"Bearer","expires_in":60,"refresh_token":"rt-fuzz-9876543210","token":"tok-123456"}'),
      Buffer.from('{"access_token":"at-fuzz-0123456789","token_type":"mac","expires_in":"soon"}'),
      Buffer.from('{"error":"invalid_client","error_description":"no"}'),
    ),
  }),
);

// ---------------------------------------------------------------------------------------------

let server: TestServer;
let reply: Reply = { status: 200, gzip: false, body: Buffer.from("{}") };
let dir: string;

beforeAll(async () => {
  server = await startServer((_req, res) => {
    const r = reply;
    const headers: Record<string, string> = {};
    if (r.contentType) headers["content-type"] = r.contentType;
    if (r.setCookie) headers["set-cookie"] = r.setCookie;
    let body = r.body;
    if (r.gzip) {
      headers["content-encoding"] = "gzip";
      body = r.status % 2 ? gzipSync(body) : body; // sometimes a lie: "gzip" that is not
    }
    if (r.status === 301) headers.location = "/moved";
    res.writeHead(r.status, headers);
    res.end(r.status === 204 || r.status === 304 ? undefined : body);
  });
  dir = mkdtempSync(join(tmpdir(), "authspec-fuzz-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const ENV = { FUZZ_ENV: "fuzz-env-value", FUZZ_SECRET: "fuzz-secret-value" };
const codes = new Map<number, number>();

async function runOnce(text: string, r: Reply, n: number): Promise<void> {
  reply = r;
  const file = join(dir, `case-${n}.yaml`);
  const reportFile = join(dir, `case-${n}.json`);
  writeFileSync(file, text);
  const redactor = new Redactor();
  const result = await run([file], { env: ENV, redactor, reporters: [new JsonReporter(new Output(redactor, reportFile), VERSION)], timeoutMs: 2000 });
  expect([0, 1, 2]).toContain(result.exitCode);
  codes.set(result.exitCode, (codes.get(result.exitCode) ?? 0) + 1);
  const report = JSON.parse(readFileSync(reportFile, "utf8")) as unknown;
  if (!validateReport(report)) throw new Error(`invalid report: ${JSON.stringify(validateReport.errors)}\n${text}`);
  expect(readFileSync(reportFile, "utf8")).not.toContain("fuzz-secret-value");
}

describe("fuzz", () => {
  test("validation never throws on mutated spec text, and locates every problem in the file", () => {
    fc.assert(
      fc.property(specArb("http://127.0.0.1:9"), fc.array(mutation, { maxLength: 4 }), (spec, ms) => {
        const text = mutate(toYaml(spec), ms);
        const r = validateText("f.yaml", text);
        const lines = text.split("\n").length;
        for (const d of r.diagnostics) {
          expect(d.message.length).toBeGreaterThan(0);
          expect(d.line).toBeGreaterThanOrEqual(1);
          expect(d.line).toBeLessThanOrEqual(lines + 1);
          expect(d.col).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 2000, seed: 20261204 },
    );
  });

  test("runs in-process: never throws, exit code 0, 1 or 2, a valid JSON report every time", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(caseArb(server.url), replyArb, async (text, r) => {
        await runOnce(text, r, n++);
      }),
      { numRuns: 1000, seed: 42 },
    );
    // The cases did reach the server and the runner, not only validation.
    expect(codes.get(2)).toBeGreaterThan(100);
    expect(codes.get(1)).toBeGreaterThan(100);
    expect(codes.get(0)).toBeGreaterThan(0);
    expect(server.requests.length).toBeGreaterThan(100);
  }, 120_000);

  test("suites in-process: generated configs, include steps and auth blocks never throw; exit code 0, 1 or 2, a valid JSON report every time", async () => {
    let n = 0;
    const suiteCodes = new Map<number, number>();
    const before = server.requests.length;
    await fc.assert(
      fc.asyncProperty(suiteCaseArb(server.url), suiteReplyArb, async (c, r) => {
        reply = r;
        const d = join(dir, `suite-${n++}`);
        mkdirSync(join(d, "specs"), { recursive: true });
        mkdirSync(join(d, "flows"), { recursive: true });
        if (c.config !== undefined) writeFileSync(join(d, "authspec.config.yaml"), c.config);
        c.specs.forEach((text, i) => writeFileSync(join(d, "specs", `s${i}.yaml`), text));
        writeFileSync(join(d, "flows", "f.yaml"), c.flows.f);
        writeFileSync(join(d, "flows", "g.yaml"), c.flows.g);
        writeFileSync(join(d, "flows", "setup.yaml"), c.flows.setup);
        const reportFile = join(d, "report.json");
        const redactor = new Redactor();
        const result = await run(["specs"], { cwd: d, env: ENV, redactor, reporters: [new JsonReporter(new Output(redactor, reportFile), VERSION)], timeoutMs: 2000, jobs: 2 });
        expect([0, 1, 2]).toContain(result.exitCode);
        suiteCodes.set(result.exitCode, (suiteCodes.get(result.exitCode) ?? 0) + 1);
        const written = readFileSync(reportFile, "utf8");
        const report = JSON.parse(written) as unknown;
        if (!validateReport(report)) throw new Error(`invalid report: ${JSON.stringify(validateReport.errors)}\n${JSON.stringify(c)}`);
        for (const secret of ["fuzz-secret-value", "at-fuzz-0123456789", "rt-fuzz-9876543210"]) expect(written).not.toContain(secret);
      }),
      { numRuns: 300, seed: 1204 },
    );
    // The suites reached the runner and the server (token requests included), not only validation.
    expect(suiteCodes.get(2)).toBeGreaterThan(30);
    expect(suiteCodes.get(1)).toBeGreaterThan(30);
    expect(server.requests.length - before).toBeGreaterThan(100);
    expect(server.requests.some((q) => q.url === "/token" && q.method === "POST")).toBe(true);
    expect(server.requests.some((q) => q.url === "/flow")).toBe(true);
  }, 120_000);

  test("suites through the CLI (--config, --jobs 4, --env): exit code 0, 1 or 2, a valid JSON report, never a stack trace", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(suiteCaseArb(server.url), suiteReplyArb, fc.boolean(), async (c, r, withEnv) => {
        reply = r;
        const d = join(dir, `cli-suite-${n++}`);
        mkdirSync(join(d, "specs"), { recursive: true });
        mkdirSync(join(d, "flows"), { recursive: true });
        writeFileSync(join(d, "suite.yaml"), c.config ?? "");
        c.specs.forEach((text, i) => writeFileSync(join(d, "specs", `s${i}.yaml`), text));
        writeFileSync(join(d, "flows", "f.yaml"), c.flows.f);
        writeFileSync(join(d, "flows", "g.yaml"), c.flows.g);
        writeFileSync(join(d, "flows", "setup.yaml"), c.flows.setup);
        const reportFile = join(d, "report.json");
        const args = ["run", "specs", "--config", "suite.yaml", "--jobs", "4", "--reporter", "console", "--reporter", `json:${reportFile}`, "--timeout", "2000", ...(withEnv ? ["--env", "ci"] : [])];
        const res = await runCli(args, { cwd: d, env: ENV });
        expect([0, 1, 2]).toContain(res.code);
        expect(res.stdout + res.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
        const report = JSON.parse(readFileSync(reportFile, "utf8")) as unknown;
        if (!validateReport(report)) throw new Error(`invalid report: ${JSON.stringify(validateReport.errors)}`);
      }),
      { numRuns: 12, seed: 1205 },
    );
  }, 120_000);

  test("through the CLI: exit code 0, 1 or 2 and a valid JSON report, never a stack trace", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(caseArb(server.url), replyArb, async (text, r) => {
        reply = r;
        const file = join(dir, `cli-${n}.yaml`);
        const reportFile = join(dir, `cli-${n++}.json`);
        writeFileSync(file, text);
        const res = await runCli(["run", file, "--reporter", "console", "--reporter", `json:${reportFile}`, "--timeout", "2000"], { env: ENV });
        expect([0, 1, 2]).toContain(res.code);
        expect(res.stdout + res.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
        const report = JSON.parse(readFileSync(reportFile, "utf8")) as unknown;
        if (!validateReport(report)) throw new Error(`invalid report: ${JSON.stringify(validateReport.errors)}`);
      }),
      { numRuns: 16, seed: 7 },
    );
  }, 120_000);
});
