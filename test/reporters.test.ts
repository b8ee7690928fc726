// The file reporters (JSON and JUnit XML), end to end: real specs run against a real HTTP server on
// 127.0.0.1 through the library API; the written files are read back and checked against their
// schemas (schemas/report.schema.json, the Ant JUnit XSD), their content, and for leaked secrets.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { create } from "xmlbuilder2";
import { startDemoServer, type DemoServer } from "../fixtures/demo-server.js";
import { JsonReporter, JUnitReporter, Output, Redactor, run, VERSION, type Reporter, type RunResult } from "../src/index.js";
import type { JsonReport } from "../src/report/json.js";
import generatedValidateReport from "../src/generated/validate-report.js";

const addFormats = addFormatsModule.default;
const SCHEMA_FILE = fileURLToPath(new URL("../schemas/report.schema.json", import.meta.url));
const JUNIT_XSD = fileURLToPath(new URL("../../shared/junit/JUnit.xsd", import.meta.url));
const PASSWORD = "wonderland";

const reportSchema = JSON.parse(readFileSync(SCHEMA_FILE, "utf8")) as Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validateWithAjv = ajv.compile(reportSchema);
const validateGenerated = generatedValidateReport as unknown as ValidateFunction;

// ---------------------------------------------------------------------------------------------
// helpers

let tmp: string;
let demo: DemoServer;

/** Tokens the demo server issued during the runs, read from the raw exchanges (before any masking). */
class TokenSpy implements Reporter {
  readonly tokens: string[] = [];
  onExchange(x: Parameters<NonNullable<Reporter["onExchange"]>>[0]): void {
    if (!x.response || !x.request.url.endsWith("/auth")) return;
    const body = JSON.parse(x.response.body.toString("utf8")) as { token?: string };
    if (typeof body.token === "string") this.tokens.push(body.token);
  }
  onRunEnd(): void {}
}

interface Outcome {
  result: RunResult;
  json: JsonReport;
  jsonText: string;
  xmlText: string;
  jsonFile: string;
  xmlFile: string;
  tokens: string[];
}

let runNo = 0;
async function runSpecs(dir: string, files: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const out = join(tmp, `out-${++runNo}`);
  const jsonFile = join(out, "report.json");
  const xmlFile = join(out, "report.xml");
  const redactor = new Redactor();
  const spy = new TokenSpy();
  const result = await run(files, {
    cwd: dir,
    env: { API_URL: demo.url, API_PASSWORD: PASSWORD, ...env },
    redactor,
    reporters: [spy, new JsonReporter(new Output(redactor, jsonFile), VERSION), new JUnitReporter(new Output(redactor, xmlFile))],
  });
  const jsonText = readFileSync(jsonFile, "utf8");
  const xmlText = readFileSync(xmlFile, "utf8");
  return { result, json: JSON.parse(jsonText) as JsonReport, jsonText, xmlText, jsonFile, xmlFile, tokens: spy.tokens };
}

function specDir(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** 1-based line of the first line of `text` that equals `line`. */
function lineOf(text: string, line: string): number {
  const i = text.split("\n").indexOf(line);
  if (i < 0) throw new Error(`no line ${JSON.stringify(line)}`);
  return i + 1;
}

function expectSchemaValid(report: unknown): void {
  const a = validateWithAjv(report);
  expect(validateWithAjv.errors ?? []).toEqual([]);
  expect(a).toBe(true);
  const g = validateGenerated(report);
  expect(validateGenerated.errors ?? []).toEqual([]);
  expect(g).toBe(true);
}

function xmllint(file: string): { status: number | null; output: string } {
  const r = spawnSync("/usr/bin/xmllint", ["--noout", "--schema", JUNIT_XSD, file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function expectJUnitValid(file: string): void {
  const r = xmllint(file);
  expect(r.output).toContain("validates");
  expect(r.status).toBe(0);
}

/** The forms a secret could leak in. */
const leakForms = (secret: string) => [
  secret,
  encodeURIComponent(secret),
  JSON.stringify(secret).slice(1, -1),
  Buffer.from(secret).toString("base64"),
  Buffer.from(secret).toString("base64url"),
];

function expectNoLeak(texts: string[], secrets: string[]): void {
  for (const secret of secrets)
    for (const form of leakForms(secret))
      for (const text of texts) expect({ form, found: text.includes(form) }).toEqual({ form, found: false });
}

// A tiny DOM view over xmlbuilder2's parser (tsconfig has no DOM lib).
interface XEl {
  tagName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XEl>;
  childNodes: ArrayLike<{ nodeType: number; nodeName: string }>;
}
function parseXml(xml: string): XEl {
  return (create(xml).node as unknown as { documentElement: XEl }).documentElement;
}
const all = (el: XEl, tag: string): XEl[] => Array.from(el.getElementsByTagName(tag));
const childElements = (el: XEl): string[] => Array.from(el.childNodes).filter((n) => n.nodeType === 1).map((n) => n.nodeName);
const attr = (el: XEl, name: string): string => {
  const v = el.getAttribute(name);
  if (v === null) throw new Error(`<${el.tagName}> has no ${name}`);
  return v;
};
const seconds = (ms: number) => (ms / 1000).toFixed(3);

// ---------------------------------------------------------------------------------------------
// specs

const PASS_SPEC = `name: Log in and read the profile
baseUrl: \${{ env.API_URL }}
variables:
  username: alice
steps:
  - name: log in
    request:
      method: POST
      url: /auth
      json: { username: "\${{ username }}", password: "\${{ secrets.API_PASSWORD }}" }
    expect:
      status: 200
      body:
        $.token: { type: string }
        $.user.name: \${{ username }}
    capture:
      token: $.token
      requestId: { header: x-request-id, secret: false }
  - name: read the profile
    request:
      url: /me
      headers: { Authorization: "Bearer \${{ token }}" }
    expect:
      status: 200
      body:
        $.user.name: \${{ username }}
        $.user.roles: { contains: reader }
`;

// Step 2 fails on purpose, in ways that would put the token and the password into the reports if
// they were not masked: the token in the URL and in an expected value, the password in another.
const FAIL_SPEC = `name: Profile with wrong expectations
baseUrl: \${{ env.API_URL }}
steps:
  - name: log in
    request:
      method: POST
      url: /auth
      json: { username: alice, password: "\${{ secrets.API_PASSWORD }}" }
    capture:
      token: $.token
  - name: read the profile with wrong expectations
    request:
      url: /me
      query: { access_token: "\${{ token }}" }
      headers: { Authorization: "Bearer \${{ token }}" }
    expect:
      status: 201
      body:
        $.user.name: "\${{ token }}"
        $.user.roles: { contains: "\${{ secrets.API_PASSWORD }}" }
  - name: never runs
    request:
      url: /me
      headers: { Authorization: "Bearer \${{ token }}" }
  - name: never runs either
    request:
      url: /health
`;

const INVALID_SPEC = `name: Broken
steps:
  - name: typo in a key
    request:
      url: http://127.0.0.1:9/x
    expct:
      status: 200
`;

const INVALID_VAR_SPEC = `name: Unknown variable
steps:
  - name: uses an undefined variable
    request:
      url: "http://127.0.0.1:9/\${{ nope }}"
`;

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "authspec-reporters-"));
  demo = await startDemoServer();
});

afterAll(async () => {
  await demo?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("report schema", () => {
  test("is a valid draft 2020-12 schema with the report's $id", () => {
    expect(ajv.validateSchema(reportSchema)).toBe(true);
    expect(reportSchema.$id).toBe("https://authspec.dev/schemas/report.schema.json");
    expect(reportSchema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  test("every object in it forbids additional properties", () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (node === null || typeof node !== "object") return;
      const o = node as Record<string, unknown>;
      if (o.type === "object" && o.additionalProperties !== false) open.push(path || "/");
      for (const [k, v] of Object.entries(o)) if (k !== "enum" && k !== "const") walk(v, `${path}/${k}`);
    };
    walk(reportSchema, "");
    expect(open).toEqual([]);
  });
});

describe("a passing run", () => {
  let o: Outcome;
  beforeAll(async () => {
    const dir = specDir("pass", { "login.yaml": PASS_SPEC });
    o = await runSpecs(dir, ["login.yaml"]);
  });

  test("exits 0", () => {
    expect(o.result.exitCode).toBe(0);
    expect(o.result.ok).toBe(true);
    expect(o.tokens).toHaveLength(1);
  });

  test("the JSON report validates against the schema and the generated validator", () => {
    expectSchemaValid(o.json);
  });

  test("the JSON report is the run result plus $schema and tool", () => {
    const { $schema, tool, ...rest } = o.json;
    expect($schema).toBe("https://authspec.dev/schemas/report.schema.json");
    expect(tool).toEqual({ name: "authspec", version: VERSION });
    // The run result has no secret in it here, so redaction changes nothing: the report is the result.
    expect(rest).toEqual(JSON.parse(JSON.stringify(o.result)));
    expect(Object.keys(o.json).slice(0, 2)).toEqual(["$schema", "tool"]);
    expect(o.jsonText.endsWith("}\n")).toBe(true);
  });

  test("content: statuses, counts, lines, captures by name", () => {
    const r = o.json;
    expect(r.ok).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(new Date(r.startedAt).toISOString()).toBe(r.startedAt);
    expect(r.durationMs).toBeGreaterThan(0);
    expect(r.summary).toEqual({ specs: { total: 1, passed: 1, failed: 0, skipped: 0 }, steps: { total: 2, passed: 2, failed: 0, skipped: 0 } });
    expect(r.diagnostics).toEqual([]);
    expect(r.specs).toHaveLength(1);
    const spec = r.specs[0]!;
    expect(spec).toMatchObject({ file: "login.yaml", name: "Log in and read the profile", status: "passed" });
    expect(spec.durationMs).toBeGreaterThan(0);
    const [login, me] = spec.steps;
    expect(login).toMatchObject({
      name: "log in",
      line: lineOf(PASS_SPEC, "  - name: log in"),
      status: "passed",
      request: { method: "POST", url: `${demo.url}/auth` },
      response: { status: 200, statusText: "OK", contentType: "application/json; charset=utf-8" },
      failures: [],
      captures: ["token", "requestId"],
    });
    expect(login!.response).not.toHaveProperty("bodyExcerpt"); // only for failed steps
    expect(me).toMatchObject({
      name: "read the profile",
      line: lineOf(PASS_SPEC, "  - name: read the profile"),
      status: "passed",
      request: { method: "GET", url: `${demo.url}/me` },
      response: { status: 200 },
      failures: [],
      captures: [],
    });
    // Step durations come from got's timings, whole milliseconds: 0 is possible on a fast loopback.
    for (const step of spec.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);
  });

  test("neither file contains the token or the password, in any encoding", () => {
    expectNoLeak([o.jsonText, o.xmlText], [...o.tokens, PASSWORD]);
    expect(o.tokens[0]).toMatch(/^[0-9a-f]{32}$/);
  });

  test("the JUnit XML validates against the Ant XSD", () => {
    expectJUnitValid(o.xmlFile);
  });

  test("the JUnit XML: one testsuite per spec, one testcase per step, times in seconds", () => {
    const root = parseXml(o.xmlText);
    expect(root.tagName).toBe("testsuites");
    const suites = all(root, "testsuite");
    expect(suites).toHaveLength(1);
    const suite = suites[0]!;
    const spec = o.json.specs[0]!;
    expect(attr(suite, "name")).toBe("Log in and read the profile");
    expect(attr(suite, "package")).toBe("login.yaml");
    expect(attr(suite, "id")).toBe("0");
    expect(attr(suite, "tests")).toBe("2");
    expect(attr(suite, "failures")).toBe("0");
    expect(attr(suite, "errors")).toBe("0");
    expect(attr(suite, "skipped")).toBe("0");
    expect(attr(suite, "time")).toBe(seconds(spec.durationMs));
    expect(attr(suite, "timestamp")).toBe(o.json.startedAt.slice(0, 19));
    expect(childElements(suite)).toEqual(["properties", "testcase", "testcase", "system-out", "system-err"]);
    const cases = all(suite, "testcase");
    expect(cases.map((c) => attr(c, "name"))).toEqual(["log in", "read the profile"]);
    cases.forEach((c, i) => {
      expect(attr(c, "classname")).toBe("login.yaml");
      expect(attr(c, "time")).toBe(seconds(spec.steps[i]!.durationMs));
      expect(childElements(c)).toEqual([]);
    });
  });
});

describe("a failing run", () => {
  let o: Outcome;
  beforeAll(async () => {
    const dir = specDir("fail", { "a-fail.yaml": FAIL_SPEC, "b-pass.yaml": PASS_SPEC });
    o = await runSpecs(dir, ["."]);
  });

  test("exits 1", () => {
    expect(o.result.exitCode).toBe(1);
    expect(o.result.ok).toBe(false);
    expect(o.tokens).toHaveLength(2);
  });

  test("the JSON report validates against the schema and the generated validator", () => {
    expectSchemaValid(o.json);
  });

  test("content: statuses, counts, the failed step's failures, skipped steps", () => {
    const r = o.json;
    expect(r.ok).toBe(false);
    expect(r.exitCode).toBe(1);
    expect(r.summary).toEqual({ specs: { total: 2, passed: 1, failed: 1, skipped: 0 }, steps: { total: 6, passed: 3, failed: 1, skipped: 2 } });
    expect(r.diagnostics).toEqual([]);
    expect(r.specs.map((s) => [s.file, s.status])).toEqual([
      ["a-fail.yaml", "failed"],
      ["b-pass.yaml", "passed"],
    ]);
    const [login, wrong, skipped1, skipped2] = r.specs[0]!.steps;
    expect(login).toMatchObject({ name: "log in", line: lineOf(FAIL_SPEC, "  - name: log in"), status: "passed", failures: [], captures: ["token"] });
    expect(wrong).toEqual({
      name: "read the profile with wrong expectations",
      line: lineOf(FAIL_SPEC, "  - name: read the profile with wrong expectations"),
      status: "failed",
      durationMs: wrong!.durationMs,
      request: { method: "GET", url: `${demo.url}/me?access_token=***` },
      response: {
        status: 200,
        statusText: "OK",
        contentType: "application/json; charset=utf-8",
        bodyExcerpt: JSON.stringify({ user: { name: "alice", roles: ["reader"] } }),
      },
      failures: [
        { kind: "status", message: "expected status 201, got 200 OK" },
        { kind: "body", target: "$.user.name", message: '$.user.name: expected "***", got "alice"' },
        { kind: "body", target: "$.user.roles", message: '$.user.roles: expected an array containing "***", got ["reader"]' },
      ],
      captures: [],
    });
    expect(wrong!.durationMs).toBeGreaterThanOrEqual(0);
    for (const [step, name] of [
      [skipped1, "never runs"],
      [skipped2, "never runs either"],
    ] as const) {
      expect(step).toEqual({ name, line: lineOf(FAIL_SPEC, `  - name: ${name}`), status: "skipped", durationMs: 0, failures: [], captures: [] });
    }
    expect(r.specs[1]!.steps.map((s) => s.status)).toEqual(["passed", "passed"]);
  });

  test("neither file contains a token or the password, in any encoding", () => {
    expect(new Set(o.tokens).size).toBe(2);
    expectNoLeak([o.jsonText, o.xmlText], [...o.tokens, PASSWORD]);
    // and the masks are where the secrets were
    expect(o.jsonText).toContain("/me?access_token=***");
    expect(o.xmlText).toContain("/me?access_token=***");
  });

  test("the JUnit XML validates against the Ant XSD", () => {
    expectJUnitValid(o.xmlFile);
  });

  test("the JUnit XML: <failure> with message and detail for the failed step, <skipped/> for skipped ones", () => {
    const root = parseXml(o.xmlText);
    const suites = all(root, "testsuite");
    expect(suites.map((s) => [attr(s, "package"), attr(s, "id"), attr(s, "tests"), attr(s, "failures"), attr(s, "skipped")])).toEqual([
      ["a-fail.yaml", "0", "4", "1", "2"],
      ["b-pass.yaml", "1", "2", "0", "0"],
    ]);
    const spec = o.json.specs[0]!;
    const cases = all(suites[0]!, "testcase");
    expect(cases.map((c) => [attr(c, "name"), attr(c, "classname"), attr(c, "time"), childElements(c)])).toEqual(
      spec.steps.map((s) => [s.name, "a-fail.yaml", seconds(s.durationMs), s.status === "failed" ? ["failure"] : s.status === "skipped" ? ["skipped"] : []]),
    );
    const failure = all(cases[1]!, "failure")[0]!;
    expect(attr(failure, "type")).toBe("status");
    expect(attr(failure, "message")).toBe("expected status 201, got 200 OK");
    const step = spec.steps[1]!;
    expect(failure.textContent).toBe(
      [
        `a-fail.yaml:${step.line}`,
        `GET ${demo.url}/me?access_token=*** -> 200`,
        "- expected status 201, got 200 OK",
        '- $.user.name: expected "***", got "alice"',
        '- $.user.roles: expected an array containing "***", got ["reader"]',
        "response body:",
        JSON.stringify({ user: { name: "alice", roles: ["reader"] } }),
      ].join("\n"),
    );
    for (const c of cases.slice(2)) {
      const skipped = all(c, "skipped");
      expect(skipped).toHaveLength(1);
      expect(skipped[0]!.textContent).toBe("");
      expect(attr(c, "time")).toBe("0.000");
    }
  });
});

describe("an invalid-spec run", () => {
  let o: Outcome;
  let requestsBefore: number;
  beforeAll(async () => {
    const dir = specDir("invalid", { "broken.yaml": INVALID_SPEC, "good.yaml": PASS_SPEC, "unknown-var.yaml": INVALID_VAR_SPEC });
    requestsBefore = demo.stats.requests;
    o = await runSpecs(dir, ["broken.yaml", "good.yaml", "unknown-var.yaml"]);
  });

  test("exits 2 without sending anything", () => {
    expect(o.result.exitCode).toBe(2);
    expect(o.result.ok).toBe(false);
    expect(demo.stats.requests).toBe(requestsBefore);
    expect(o.tokens).toEqual([]);
  });

  test("the JSON report validates against the schema and the generated validator", () => {
    expectSchemaValid(o.json);
  });

  test("content: diagnostics with file, line, col, path and message; no spec results", () => {
    const r = o.json;
    expect(r.specs).toEqual([]);
    expect(r.summary).toEqual({ specs: { total: 0, passed: 0, failed: 0, skipped: 0 }, steps: { total: 0, passed: 0, failed: 0, skipped: 0 } });
    expect(r.diagnostics.length).toBeGreaterThanOrEqual(2);
    expect(r.diagnostics).toEqual(o.result.diagnostics);
    expect(new Set(r.diagnostics.map((d) => d.file))).toEqual(new Set(["broken.yaml", "unknown-var.yaml"]));
    const typo = r.diagnostics.find((d) => d.file === "broken.yaml")!;
    expect(typo).toMatchObject({ line: lineOf(INVALID_SPEC, "    expct:"), col: 5, path: "/steps/0/expct" });
    expect(typo.message).toContain("did you mean `expect`?");
    const unknown = r.diagnostics.find((d) => d.file === "unknown-var.yaml")!;
    expect(unknown.line).toBe(lineOf(INVALID_VAR_SPEC, '      url: "http://127.0.0.1:9/${{ nope }}"'));
    expect(unknown.message).toContain("unknown variable `nope`");
    for (const d of r.diagnostics) {
      expect(Object.keys(d).sort()).toEqual(expect.arrayContaining(["col", "file", "line", "message"]));
      expect(Number.isInteger(d.line) && Number.isInteger(d.col)).toBe(true);
    }
  });

  test("the JUnit XML validates against the Ant XSD", () => {
    expectJUnitValid(o.xmlFile);
  });

  test("the JUnit XML: one errored testcase per invalid file", () => {
    const root = parseXml(o.xmlText);
    const suites = all(root, "testsuite");
    expect(suites).toHaveLength(1);
    const suite = suites[0]!;
    expect([attr(suite, "name"), attr(suite, "package"), attr(suite, "id"), attr(suite, "tests"), attr(suite, "errors"), attr(suite, "failures")]).toEqual([
      "authspec validation", "authspec", "0", "2", "2", "0",
    ]);
    const cases = all(suite, "testcase");
    expect(cases.map((c) => [attr(c, "name"), attr(c, "classname")])).toEqual([
      ["validate broken.yaml", "broken.yaml"],
      ["validate unknown-var.yaml", "unknown-var.yaml"],
    ]);
    const err = all(cases[0]!, "error")[0]!;
    expect(attr(err, "type")).toBe("validation");
    expect(err.textContent).toContain(`broken.yaml:${lineOf(INVALID_SPEC, "    expct:")}:5: `);
  });

  test("a missing secret is a diagnostic too (exit 2), and both reports stay valid", async () => {
    const dir = specDir("missing-env", { "login.yaml": PASS_SPEC });
    const out = join(tmp, "missing-env-out");
    const redactor = new Redactor();
    const jsonFile = join(out, "r.json");
    const xmlFile = join(out, "r.xml");
    const result = await run(["login.yaml"], {
      cwd: dir,
      env: { API_URL: demo.url },
      redactor,
      reporters: [new JsonReporter(new Output(redactor, jsonFile), VERSION), new JUnitReporter(new Output(redactor, xmlFile))],
    });
    expect(result.exitCode).toBe(2);
    const json = JSON.parse(readFileSync(jsonFile, "utf8")) as JsonReport;
    expectSchemaValid(json);
    expect(json.diagnostics).toHaveLength(1);
    expect(json.diagnostics[0]!.message).toContain("API_PASSWORD");
    expectJUnitValid(xmlFile);
  });
});

describe("a hostile response body", () => {
  // ]]> would end a CDATA section, <script> and quotes need escaping, and most control characters
  // (and U+FFFE) cannot appear in XML 1.0 at all, not even as character references.
  const BODY = `<html>]]><script>alert("x" + 'y' & 1)</script> ]]]]><![CDATA[ ctrl:\u0001\u0008\u000B\u001B\u0000 nonchar:\uFFFE tab:\t end</html>`;
  const STEP = `fetch <script> & "quotes" ]]> 'apostrophes'`;
  let server: Server;
  let o: Outcome;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "x-evil": "]]> <b>\"'&" });
      res.end(BODY);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const spec = `name: 'Hostile "spec" <name> & ]]>'
steps:
  - name: '${STEP.replace(/'/g, "''")}'
    request:
      url: ${url}/evil?q=%3C%5D%5D%3E
    expect:
      status: 200
      headers:
        x-evil: { contains: "<i>" }
      body:
        $.ok: true
`;
    o = await runSpecs(specDir("hostile", { "hostile.yaml": spec }), ["hostile.yaml"]);
  });

  afterAll(async () => {
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("the step fails, and the JSON report carries the body exactly", () => {
    expect(o.result.exitCode).toBe(1);
    expectSchemaValid(o.json);
    const step = o.json.specs[0]!.steps[0]!;
    expect(step.name).toBe(STEP);
    expect(step.response!.bodyExcerpt).toBe(BODY);
    expect(step.failures.map((f) => f.kind)).toEqual(["header", "body"]);
    expect(step.failures[1]!.message).toMatch(/^the response body is not JSON \(text\/html; charset=utf-8\): /);
  });

  test("the JUnit XML stays well-formed and valid", () => {
    expectJUnitValid(o.xmlFile);
  });

  test("the JUnit XML carries the text, escaped, with characters XML cannot hold replaced by U+FFFD", () => {
    const root = parseXml(o.xmlText);
    const suite = all(root, "testsuite")[0]!;
    expect(attr(suite, "name")).toBe('Hostile "spec" <name> & ]]>');
    const tc = all(suite, "testcase")[0]!;
    expect(attr(tc, "name")).toBe(STEP);
    const failure = all(tc, "failure")[0]!;
    const step = o.json.specs[0]!.steps[0]!;
    expect(attr(failure, "type")).toBe("header");
    expect(attr(failure, "message")).toBe(step.failures[0]!.message);
    const safeBody = BODY.replace(/[\u0000\u0001\u0008\u000B\u001B\uFFFE]/g, "\uFFFD");
    expect(failure.textContent).toContain(`response body:\n${safeBody}`);
    expect(failure.textContent).toContain(`- ${step.failures[1]!.message}`);
    // on the wire: no character XML 1.0 forbids, no literal markup from the body
    expect(o.xmlText).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    expect(o.xmlText).not.toContain("]]>");
    expect(o.xmlText).not.toContain("<script>");
    expect(o.xmlText).not.toContain("<![CDATA[");
  });
});

describe("the schema is not vacuous: both validators reject reports that break it", () => {
  let report: JsonReport;
  beforeAll(async () => {
    const dir = specDir("mutations", { "a-fail.yaml": FAIL_SPEC });
    report = (await runSpecs(dir, ["a-fail.yaml"])).json;
  });

  type Mutation = (r: any) => void;
  const step = (r: any, i = 1) => r.specs[0].steps[i];
  const cases: [string, Mutation][] = [
    ["an unknown top-level field", (r) => (r.extra = 1)],
    ["an unknown field in tool", (r) => (r.tool.commit = "abc")],
    ["another tool name", (r) => (r.tool.name = "other")],
    ["another $schema", (r) => (r.$schema = "https://example.com/x.json")],
    ["an unknown field in a step", (r) => (step(r).retries = 0)],
    ["an unknown field in a failure", (r) => (step(r).failures[0].stack = "x")],
    ["an unknown field in the request", (r) => (step(r).request.headers = {})],
    ["an unknown field in the response", (r) => (step(r).response.body = "{}")],
    ["an unknown field in counts", (r) => (r.summary.steps.errored = 0)],
    ["an unknown step status", (r) => (step(r).status = "error")],
    ["an unknown spec status", (r) => (r.specs[0].status = "errored")],
    ["an unknown failure kind", (r) => (step(r).failures[0].kind = "timeout")],
    ["an unknown method", (r) => (step(r).request.method = "TRACE")],
    ["a fractional count", (r) => (r.summary.specs.total = 1.5)],
    ["a negative count", (r) => (r.summary.steps.passed = -1)],
    ["a fractional line", (r) => (step(r).line = 1.5)],
    ["a duration as a string", (r) => (r.durationMs = "12")],
    ["a negative duration", (r) => (step(r).durationMs = -1)],
    ["a non-date startedAt", (r) => (r.startedAt = "yesterday")],
    ["exitCode 3", (r) => (r.exitCode = 3)],
    ["ok with exitCode 1", (r) => (r.ok = true)],
    ["exitCode 2 without diagnostics", (r) => ((r.exitCode = 2), (r.specs = []))],
    ["diagnostics with exitCode 1", (r) => r.diagnostics.push({ file: "x.yaml", line: 1, col: 1, message: "m" })],
    ["a capture value instead of a name", (r) => (step(r, 0).captures = [{ name: "token", value: "abc" }])],
    ["a step without captures", (r) => delete step(r).captures],
    ["a failed step without failures", (r) => (step(r).failures = [])],
    ["a skipped step with a failure", (r) => step(r, 2).failures.push({ kind: "status", message: "m" })],
    ["a failure without a message", (r) => delete step(r).failures[0].message],
    ["a response status as a string", (r) => (step(r).response.status = "200")],
  ];

  test("the unmodified report is valid", () => {
    expectSchemaValid(report);
  });

  test.each(cases)("%s", (_label, mutate) => {
    const bad = structuredClone(report);
    mutate(bad);
    expect(validateWithAjv(bad)).toBe(false);
    expect(validateGenerated(bad)).toBe(false);
  });

  test("a diagnostic with an unknown field or a fractional line", () => {
    const base = { ...structuredClone(report), ok: false, exitCode: 2, specs: [], diagnostics: [{ file: "x.yaml", line: 1, col: 2, path: "/steps", message: "m" }] };
    expectSchemaValid(base);
    for (const d of [{ file: "x.yaml", line: 1, col: 2, message: "m", hint: "h" }, { file: "x.yaml", line: 1.5, col: 2, message: "m" }, { file: "x.yaml", col: 2, message: "m" }]) {
      const bad = { ...base, diagnostics: [d] };
      expect(validateWithAjv(bad)).toBe(false);
      expect(validateGenerated(bad)).toBe(false);
    }
  });
});

describe("secrets that are also common words or digits mask data, never the reports' structure", () => {
  // "test" and "pass" are everyday test-environment passwords; a captured id such as 0000 is a secret
  // by default. Masking them in free text is expected; masking element names, keys, enum values or
  // numbers would make the reports unreadable for CI.
  const SPEC = `name: Word secrets
baseUrl: \${{ env.API_URL }}
steps:
  - name: health with a key
    request:
      url: /health
      headers: { X-Api-Key: "\${{ secrets.API_KEY }}", X-Tenant: "\${{ secrets.TENANT }}", X-Pin: "\${{ secrets.PIN }}" }
    expect:
      status: 200
  - name: wrong expectation
    request: { url: /health }
    expect:
      body:
        $.status: "\${{ secrets.TENANT }}"
  - name: skipped
    request: { url: /health }
`;
  let o: Outcome;
  beforeAll(async () => {
    o = await runSpecs(specDir("word-secrets", { "words.yaml": SPEC }), ["words.yaml"], { API_KEY: "test", TENANT: "pass", PIN: "0000" });
  });

  test("the JSON report is still valid, with its statuses and keys intact", () => {
    expect(o.result.exitCode).toBe(1);
    expectSchemaValid(o.json);
    expect(o.json.summary.steps).toEqual({ total: 3, passed: 1, failed: 1, skipped: 1 });
    expect(o.json.specs[0]!.steps.map((s) => s.status)).toEqual(["passed", "failed", "skipped"]);
    expect(o.json.specs[0]!.steps[1]!.failures).toEqual([{ kind: "body", target: "$.status", message: '$.status: expected "***", got "ok"' }]);
    expect(o.json.durationMs).toBe(o.result.durationMs);
  });

  test("the JUnit XML is still valid, with its element names intact", () => {
    expectJUnitValid(o.xmlFile);
    const root = parseXml(o.xmlText);
    expect(root.tagName).toBe("testsuites");
    expect(all(root, "testcase")).toHaveLength(3);
  });

  test("numbers in the JSON report are never masked", () => {
    const redactor = new Redactor();
    redactor.add("0000");
    const result: RunResult = {
      ok: true, exitCode: 0, startedAt: "2025-01-31T12:00:00.000Z", durationMs: 12.000001,
      summary: { specs: { total: 1, passed: 1, failed: 0, skipped: 0 }, steps: { total: 1, passed: 1, failed: 0, skipped: 0 } },
      specs: [{ file: "a.yaml", name: "pin 0000", status: "passed", durationMs: 10000, steps: [
        { name: "s", line: 1, status: "passed", durationMs: 20000, failures: [], captures: [], request: { method: "GET", url: "http://x/?pin=0000" } },
      ] }],
      diagnostics: [],
    };
    const file = join(tmp, "numbers", "r.json");
    new JsonReporter(new Output(redactor, file), VERSION).onRunEnd(result);
    const json = JSON.parse(readFileSync(file, "utf8")) as JsonReport;
    expectSchemaValid(json);
    expect(json.durationMs).toBe(12.000001);
    expect(json.specs[0]!.durationMs).toBe(10000);
    expect(json.specs[0]!.name).toBe("pin ***");
    expect(json.specs[0]!.steps[0]!.request!.url).toBe("http://x/?pin=***");
  });
});
