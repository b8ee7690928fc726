// The fast parser (js-yaml) only ever accepts: it must give the same data and step lines as the `yaml` path.
import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import { fastParse } from "../src/load/fast.js";
import { locate, parseSource } from "../src/load/source.js";
import { validateText } from "../src/validate/validate.js";
import { ROOT } from "./helpers.js";

const samples: Record<string, string> = Object.fromEntries(readdirSync(`${ROOT}/specs`).filter((f) => f.endsWith(".yaml")).map((f) => [f, readFileSync(`${ROOT}/specs/${f}`, "utf8")]));
samples["odd layouts"] = `# c
name: "odd"
steps:
  - name: a
    request: { url: /x, method: POST, query: { n: 0x1f, o: 0o17, s: '1_000', e: 1e3 }, json: { z: ~, f: .inf } }

  -   name: b
      request:
        url: /y
        method: POST
        body: |
          line one
          line two
  - { name: c, request: { url: /z, method: PUT, json: [1, "two", { three: 3 }] } }
  -
    name: d
    request: { url: /w }
`;

describe("fast parse", () => {
  test.each(Object.entries(samples))("%s: same data and step lines as yaml", (_, text) => {
    const fast = fastParse(text)!;
    expect(fast).toBeDefined();
    expect(fast.data).toEqual(parse(text));
    const { source } = parseSource("x", text);
    const steps = (fast.data as { steps: object[] }).steps;
    expect(steps.map((s) => fast.lineOf.get(s))).toEqual(steps.map((_, i) => locate(source, `/steps/${i}`).line));
    expect(validateText("x", text).stepLines).toEqual(steps.map((_, i) => locate(source, `/steps/${i}`).line));
  });

  test("anchors, aliases, NUL bytes, binary integers and syntax errors take the yaml path", () => {
    expect(fastParse("a: &x 1\nb: *x\n")).toBeUndefined();
    expect(fastParse("a: 1\0\n")).toBeUndefined();
    expect(fastParse("a: 0b11\n")).toBeUndefined();
    expect(fastParse("a: [1\n")).toBeUndefined();
    expect(fastParse("a: 1\na: 2\n")).toBeUndefined();
  });

  test("a missing environment variable is located from a fast-parsed file", () => {
    const r = validateText("x", 'name: n\nsteps:\n  - name: a\n    request: { url: "${{ env.NOPE }}/x" }\n');
    expect(r.diagnostics).toEqual([]);
    expect(r.envRefs.map((e) => e.position())).toEqual([{ line: 4, col: 22 }]);
  });

  test("unknown YAML tags are reported", () => {
    expect(validateText("x", "name: !custom x\nsteps: []\n").diagnostics[0]).toEqual({ file: "x", line: 1, col: 7, message: "unknown YAML tag: !custom" });
  });
});
