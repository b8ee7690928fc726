// Cut text never splits a UTF-16 surrogate pair: a body excerpt (1,000 characters), the --verbose body
// (2,000) and matcher values would otherwise end in a lone surrogate, which JSON and XML consumers reject.
import { readFileSync } from "node:fs";
import { cutAt } from "../src/text.js";
import { run, JsonReporter, Output, Redactor, VERSION } from "../src/index.js";
import { startServer, tempDir } from "./helpers.js";

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

test("cutAt keeps surrogate pairs whole", () => {
  expect(cutAt("ab😀cd", 3)).toBe("ab"); // the cut would fall between the two halves of 😀
  expect(cutAt("ab😀cd", 4)).toBe("ab😀");
  expect(cutAt("abc", 3)).toBe("abc");
  expect(cutAt("abcd", 2)).toBe("ab");
  expect(LONE.test("ab😀".slice(0, 3))).toBe(true); // what a plain slice does
});

test("a failing step's body excerpt never ends in half an emoji, in the result and the JSON report", async () => {
  const body = "x".repeat(999) + "😀".repeat(10);
  const server = await startServer((_, res) => {
    res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
    res.end(body);
  });
  const t = tempDir({ "s.yaml": `name: s\nsteps:\n  - name: a\n    request: { url: "${server.url}/" }\n` });
  try {
    const redactor = new Redactor();
    const r = await run(["s.yaml"], { cwd: t.dir, redactor, reporters: [new JsonReporter(new Output(redactor, t.path("r.json")), VERSION)] });
    const excerpt = r.specs[0]!.steps[0]!.response!.bodyExcerpt!;
    expect(excerpt).toBe("x".repeat(999) + "… (1019 characters)");
    expect(LONE.test(readFileSync(t.path("r.json"), "utf8"))).toBe(false);
  } finally {
    t.cleanup();
    await server.close();
  }
});
