import { render, renderText, scan, TemplateError, type Ref, type Scope } from "../src/template/template.js";
import { Redactor, MASK } from "../src/mask.js";

const scope = (vars: Record<string, unknown>, env: Record<string, string> = {}): Scope => ({
  lookup(ref: Ref) {
    if (ref.kind === "var") return ref.name in vars ? { value: vars[ref.name] } : undefined;
    return ref.name in env ? { value: env[ref.name] } : undefined;
  },
});

describe("templates", () => {
  test("a whole-value template keeps the type; inside a string it is interpolated", () => {
    const s = scope({ n: 42, obj: { a: [1, 2] }, name: "alice", t: true });
    expect(render("${{ n }}", s)).toBe(42);
    expect(render("${{obj}}", s)).toEqual({ a: [1, 2] });
    expect(render("id=${{ n }}&u=${{ name }}", s)).toBe("id=42&u=alice");
    expect(render("${{ obj }}!", s)).toBe('{"a":[1,2]}!');
    expect(render({ deep: ["${{ t }}", { x: "${{ name }}" }] }, s)).toEqual({ deep: [true, { x: "alice" }] });
    expect(renderText("${{ n }}", s)).toBe("42");
  });

  test("env and secrets read the environment", () => {
    const s = scope({}, { API_URL: "http://h", P: "pw" });
    expect(render("${{ env.API_URL }}/x", s)).toBe("http://h/x");
    expect(render("${{ secrets.P }}", s)).toBe("pw");
  });

  test("rendering is one pass: substituted values are never rendered again", () => {
    const s = scope({ captured: "${{ secret }}", secret: "leak" });
    expect(render("${{ captured }}", s)).toBe("${{ secret }}");
    expect(render("x ${{ captured }} y", s)).toBe("x ${{ secret }} y");
  });

  test("expressions are data, never code", () => {
    for (const payload of ["${{ process.exit(1) }}", "${{ constructor.constructor('return process')() }}", "${{ a + b }}", "${{ `x` }}", "${{ env['PATH'] }}"]) {
      const r = scan(payload);
      expect(r.tokens).toEqual([]);
      expect(r.problems[0]!.message).toMatch(/^invalid template/);
    }
    expect(scan("a ${{ b").problems[0]!.message).toMatch(/^unclosed template/);
    expect(scan("no templates here").tokens).toEqual([]);
  });

  test("an unknown name throws a TemplateError naming only that name", () => {
    const s = scope({ password: "hunter2" });
    expect(() => render("${{ missing }}", s)).toThrow(TemplateError);
    try {
      render("${{ secrets.NOPE }}", s);
    } catch (e) {
      expect((e as Error).message).toBe("environment variable `NOPE` is not set (used as secrets.NOPE)");
      expect((e as Error).message).not.toContain("hunter2");
    }
  });
});

describe("Redactor", () => {
  test("masks secrets and their encoded forms, longest first", () => {
    const r = new Redactor();
    r.add("p@ss w/rd");
    r.add("tok");
    expect(r.redact("a p@ss w/rd b")).toBe(`a ${MASK} b`);
    expect(r.redact(encodeURIComponent("p@ss w/rd"))).toBe(MASK);
    expect(r.redact(Buffer.from("p@ss w/rd").toString("base64"))).toBe(MASK);
    expect(r.redact("tokens")).toBe(`${MASK}ens`);
    expect(r.redactDeep({ a: ["xx tok"], b: 1 })).toEqual({ a: [`xx ${MASK}`], b: 1 });
  });

  test("credential fields of JSON bodies are registered at any depth", () => {
    const r = new Redactor();
    const body = { data: [{ access_token: "at-123456", refresh_token: "rt-123456", scope: "read" }], user: { password: "pw-123456", token: 12345 } };
    r.addSecretFields(JSON.stringify(body), () => body);
    expect(r.redact("at-123456 rt-123456 pw-123456 read 12345")).toBe("*** *** *** read 12345");
    let parsed = false;
    r.addSecretFields('{"name":"x"}', () => ((parsed = true), {}));
    expect(parsed).toBe(false); // no credential field name: the body is not even parsed
  });

  test("captures shorter than the minimum are not registered", () => {
    const r = new Redactor();
    r.add(1, 4);
    r.add("abc", 4);
    expect(r.size).toBe(0);
  });

  test("credential headers: Bearer, Basic (and its password), cookies", () => {
    const r = new Redactor();
    r.addHeader("authorization", "Bearer abc.def.ghi");
    r.addHeader("authorization", "Basic " + Buffer.from("user:s3cret!").toString("base64"));
    r.addHeader("set-cookie", "sid=cookie-value-1; Path=/; HttpOnly");
    r.addHeader("cookie", "a=first-cookie; b=second-cookie");
    const text = "abc.def.ghi s3cret! cookie-value-1 first-cookie second-cookie Path=/";
    expect(r.redact(text)).toBe(`${MASK} ${MASK} ${MASK} ${MASK} ${MASK} Path=/`);
  });
});
