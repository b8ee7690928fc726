// Code never runs: JSONPath RCE payloads (the CVE-2024-21534 / CVE-2025-1302 class of jsonpath-plus,
// and static-eval's) and template payloads are rejected or treated as data; prototype keys stay data;
// and a static check that src/ has no eval, new Function, vm or dynamic import driven by spec content.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { jsonPathProblem, select } from "../src/assert/jsonpath.js";
import { scan } from "../src/template/template.js";
import { run, validate } from "../src/index.js";
import { validateText } from "../src/validate/validate.js";
import { json, ROOT, startServer, tempDir, type TestServer } from "./helpers.js";

const CANARY = "__authspecPwned";
const g = globalThis as Record<string, unknown>;

// Filter and script expressions that executed code in jsonpath-plus (<10.3.0, CVE-2024-21534 and
// CVE-2025-1302), in jsonpath / static-eval, and variations that would set a canary if they ran.
const JSONPATH_PAYLOADS = [
  `$..[?(@.constructor.constructor('return process')().exit())]`,
  `$[?(@.constructor.constructor('globalThis.${CANARY} = 1')())]`,
  `$..[?(p="console.log(this.process.mainModule.require('child_process').execSync('id').toString())";a=''[['constructor']][['constructor']](p);a())]`,
  `$..[?(@.constructor.constructor('return this.process')().mainModule.require('child_process').execSync('touch /tmp/authspec-pwned'))]`,
  `$[(this.constructor.constructor("globalThis.${CANARY} = 1")())]`,
  `$[?(@property === 'a' && (globalThis.${CANARY} = 1))]`,
  `$..[?(@.__proto__.polluted = 'yes')]`,
  `$[?(@.a == (function(){ globalThis.${CANARY} = 1 })())]`,
  `$[?(@.a == \`\${globalThis.${CANARY} = 1}\`)]`,
  `$[(@.length-1)]`,
  `$..*[?(@property == "constructor")]`,
];

const TEMPLATE_PAYLOADS = [
  "${{ constructor.constructor('return process')() }}",
  "${{ process.mainModule.require('child_process').execSync('id') }}",
  "${{ require('fs').readFileSync('/etc/passwd') }}",
  "${{ this.constructor }}",
  "${{ `id` }}",
  "${{ $(id) }}",
  "${{ a; b }}",
  "${{ env['PATH'] }}",
  "${{ secrets.A.B }}",
  "${{ x || y }}",
  "${{ {{ nested }} }}",
];

let server: TestServer;
beforeAll(async () => {
  server = await startServer((req, res) =>
    json(res, 200, { constructor: { name: "data" }, __proto__x: 1, items: [{ a: 1 }, { a: 2 }], text: "${{ secrets.PATH }}", echo: req.url }),
  );
});
afterAll(() => server.close());
afterEach(() => {
  expect(g[CANARY]).toBeUndefined();
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe("JSONPath payloads", () => {
  test.each(JSONPATH_PAYLOADS)("%s is rejected at validation and by the engine, never run", (expr) => {
    expect(jsonPathProblem(expr)).toMatch(/^invalid JSONPath `.+`: unexpected .+ at character \d+$/);
    expect(() => select({ a: 1, constructor: {} }, expr)).toThrow();
    const v = validateText("s.yaml", `name: s\nsteps:\n  - name: a\n    request: { url: /x }\n    capture: { t: ${JSON.stringify(expr)} }\n`);
    expect(v.diagnostics.map((d) => d.message)).toEqual([jsonPathProblem(expr)]);
  });

  test("valid queries that name prototype members treat them as data: own members only, no pollution", () => {
    const doc = JSON.parse('{"a":{"b":1},"constructor":"data","__proto__":{"polluted":"yes"}}') as unknown;
    expect(select(doc, "$..constructor")).toEqual({ exists: true, value: "data" });
    expect(select({ a: 1 }, "$.constructor")).toEqual({ exists: false, value: undefined });
    expect(select({ a: 1 }, "$['constructor']['name']")).toEqual({ exists: false, value: undefined });
    expect(select({ a: 1 }, "$.__proto__")).toEqual({ exists: false, value: undefined });
    expect(select({ a: 1 }, "$.toString")).toEqual({ exists: false, value: undefined });
    expect(select({ a: [1] }, "$.a.length")).toEqual({ exists: false, value: undefined });
    expect(select(doc, "$['__proto__'].polluted")).toEqual({ exists: true, value: "yes" }); // JSON.parse makes it an own key
  });
});

describe("template payloads", () => {
  test.each(TEMPLATE_PAYLOADS)("%s is rejected: a template names a value, it is not an expression", (text) => {
    const { problems } = scan(text);
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(p.message).toMatch(/^(invalid template `\$\{\{ .* \}\}`: a template is a variable name, env\.NAME or secrets\.NAME; expressions are not evaluated|unclosed template: .*)$/);
  });

  test("names that are prototype members are never looked up on prototypes", async () => {
    const t = tempDir({
      "s.yaml": `name: s\nsteps:\n  - name: a\n    request: { url: "\${{ env.constructor }}/\${{ secrets.toString }}/\${{ env.__proto__ }}" }\n`,
      "v.yaml": `name: v\nsteps:\n  - name: a\n    request: { url: "${server.url}/\${{ constructor }}/\${{ hasOwnProperty }}/\${{ this }}/\${{ globalThis }}" }\n`,
    });
    try {
      const s = await run(["s.yaml"], { cwd: t.dir, env: { PATH: "/bin" } });
      expect(s.exitCode).toBe(2);
      expect(s.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`)).toEqual([
        "s.yaml:4:22: environment variable `constructor` is not set (used as env.constructor)",
        "s.yaml:4:45: environment variable `toString` is not set (used as secrets.toString)",
        "s.yaml:4:69: environment variable `__proto__` is not set (used as env.__proto__)",
      ]);
      const v = await run(["v.yaml"], { cwd: t.dir });
      expect(v.exitCode).toBe(2);
      expect(v.diagnostics.map((d) => d.message.replace(/:.*/, ""))).toEqual(
        ["constructor", "hasOwnProperty", "this", "globalThis"].map((n) => `unknown variable \`${n}\``),
      );
      expect(server.requests).toHaveLength(0);
    } finally {
      t.cleanup();
    }
  });

  test("a `__proto__` variable is an ordinary variable and pollutes nothing", async () => {
    const t = tempDir({
      "s.yaml":
        `name: s\nvariables:\n  __proto__: { polluted: yes }\n  constructor: ctor\nsteps:\n  - name: a\n` +
        `    request: { url: "${server.url}/p", method: POST, json: { p: "\${{ __proto__ }}", c: "\${{ constructor }}" } }\n`,
    });
    try {
      const v = await validate(["s.yaml"], { cwd: t.dir });
      expect(v.diagnostics).toEqual([]);
      const r = await run(["s.yaml"], { cwd: t.dir });
      expect(r.exitCode).toBe(0);
      expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({ p: { polluted: "yes" }, c: "ctor" });
    } finally {
      t.cleanup();
    }
  });

  test("server data that looks like a template is never rendered (single pass)", async () => {
    const t = tempDir({
      "s.yaml":
        `name: s\nsteps:\n  - name: a\n    request: { url: "${server.url}/a" }\n    capture: { text: $.text }\n` +
        `  - name: b\n    request: { url: "${server.url}/b", headers: { X-Text: "\${{ text }}" } }\n`,
    });
    try {
      const r = await run(["s.yaml"], { cwd: t.dir, env: { PATH: "/secret/path" } });
      expect(r.exitCode).toBe(0);
      expect(server.requests.at(-1)!.headers["x-text"]).toBe("${{ secrets.PATH }}");
    } finally {
      t.cleanup();
    }
  });
});

describe("static check of src/", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) {
        if (name !== "generated") walk(p);
      } else if (p.endsWith(".ts")) files.push(p);
    }
  };
  walk(join(ROOT, "src"));

  // Comments and string contents removed, so only code is searched.
  const code = (text: string) =>
    text
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/(^|[^:\\])\/\/.*$/gm, "$1")
      .replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""');

  test("no eval, new Function, vm, or dynamic import / require of a computed name", () => {
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, "utf8");
      const src = code(text);
      const rel = relative(ROOT, f);
      if (/\beval\s*\(/.test(src)) found.push(`${rel}: eval(`);
      if (/\bnew\s+Function\b|(?<![\w$.])Function\s*\(/.test(src)) found.push(`${rel}: Function constructor`);
      if (/from\s+""|import\s*\(\s*""\s*\)/.test(src) === false && /import\s*\(/.test(src) && /import\s*\(\s*(?!"")/.test(src)) found.push(`${rel}: import() of a computed name`);
      if (/\brequire\s*\(\s*(?!"")/.test(src)) found.push(`${rel}: require() of a computed name`);
      if (/["']node:vm["']|["']vm["']/.test(text)) found.push(`${rel}: vm`);
      if (/\bsetTimeout\s*\(\s*""|\bsetInterval\s*\(\s*""/.test(src)) found.push(`${rel}: timer with a string`);
    }
    expect(found).toEqual([]);
  });

  test("the check finds what it looks for", () => {
    const bad = ["eval(x)", "new Function('a')", "const f = Function('return 1')", "await import(name)", "require(spec.mod)"];
    const hits = bad.map((b) => {
      const src = code(b);
      return /\beval\s*\(/.test(src) || /\bnew\s+Function\b|(?<![\w$.])Function\s*\(/.test(src) || /import\s*\(\s*(?!"")/.test(src) || /\brequire\s*\(\s*(?!"")/.test(src);
    });
    expect(hits).toEqual([true, true, true, true, true]);
    expect(/import\s*\(\s*(?!"")/.test(code('await import("got")'))).toBe(false);
  });

  test("the JSONPath engine (jsonpath-rfc9535) contains no eval or Function constructor either", () => {
    const dir = join(ROOT, "node_modules/jsonpath-rfc9535/dist/esm");
    const all: string[] = [];
    const walkJs = (d: string) => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walkJs(p);
        else if (p.endsWith(".js")) all.push(p);
      }
    };
    walkJs(dir);
    expect(all.length).toBeGreaterThan(5);
    for (const f of all) {
      const src = code(readFileSync(f, "utf8"));
      expect({ f: relative(dir, f), hit: /\beval\s*\(|\bnew\s+Function\b|(?<![\w$.])Function\s*\(/.test(src) }).toEqual({ f: relative(dir, f), hit: false });
    }
  });
});
