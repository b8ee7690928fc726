// Assert and capture: check a response against a step's (rendered) expectations and read its captures.
import { setCookieLines, type HttpResponse } from "../http/client.js";
import type { Capture, Expect, StatusExpectation } from "../spec/types.js";
import type { Failure } from "../run/results.js";
import { select, type Selected } from "./jsonpath.js";
import { checkMatcher, regex, show, type Mask } from "./matchers.js";
import { checkSchema } from "./schema.js";
import { stringify } from "../template/template.js";

/** The response as assertions see it: the body is decoded and parsed at most once. */
export class ResponseView {
  private textCache: string | undefined;
  private jsonCache: { ok: true; value: unknown } | { ok: false; error: string } | undefined;
  constructor(readonly res: HttpResponse) {}

  get text(): string {
    return (this.textCache ??= this.res.body.toString("utf8"));
  }

  json(): { ok: true; value: unknown } | { ok: false; error: string } {
    if (!this.jsonCache) {
      const text = this.text;
      if (text.trim() === "") this.jsonCache = { ok: false, error: "the response body is empty, not JSON" };
      else {
        try {
          this.jsonCache = { ok: true, value: JSON.parse(text) };
        } catch (e) {
          const type = this.header("content-type");
          this.jsonCache = { ok: false, error: `the response body is not JSON (${type ?? "no content-type"}): ${(e as Error).message}` };
        }
      }
    }
    return this.jsonCache;
  }

  header(name: string): string | undefined {
    const v = this.res.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(", ") : v;
  }

  /** The value of the cookie `name` this response sets. */
  cookie(name: string): string | undefined {
    const first = this.setCookie(name)?.split(";")[0];
    return first ? first.slice(first.indexOf("=") + 1).trim() : undefined;
  }

  /** The whole Set-Cookie line that sets the cookie `name` (value and attributes). */
  setCookie(name: string): string | undefined {
    for (const line of setCookieLines(this.res)) {
      const first = line.split(";")[0] ?? "";
      const eq = first.indexOf("=");
      if (eq > 0 && first.slice(0, eq).trim() === name) return line;
    }
    return undefined;
  }
}

export function statusMatches(status: number, expected: StatusExpectation | undefined): boolean {
  if (expected === undefined) return status >= 200 && status < 300;
  if (typeof expected === "number") return status === expected;
  if (Array.isArray(expected)) return expected.includes(status);
  const m = /^([1-5])xx$/.exec(expected);
  return m ? Math.floor(status / 100) === Number(m[1]) : String(status) === expected;
}

const describeStatus = (e: StatusExpectation | undefined) =>
  e === undefined ? "2xx" : Array.isArray(e) ? `one of ${e.join(", ")}` : String(e);

/**
 * Check every expectation (not only the first failing one). `schema` is the unrendered expect.schema.
 * `mask` (the run's Redactor) masks secrets in the values shown before they are cut.
 */
export function checkExpectations(view: ResponseView, expect: Expect | undefined, mask?: Mask): Failure[] {
  const res = view.res;
  const failures: Failure[] = [];
  if (!statusMatches(res.status, expect?.status))
    failures.push({ kind: "status", message: `expected status ${describeStatus(expect?.status)}, got ${res.status}${res.statusText ? ` ${res.statusText}` : ""}` });
  if (!expect) return failures;
  for (const [name, matcher] of Object.entries(expect.headers ?? {})) {
    const v = view.header(name);
    for (const m of checkMatcher({ exists: v !== undefined, value: v }, matcher, true, mask))
      failures.push({ kind: "header", target: name, message: `header ${name}: ${m}` });
  }
  const bodyChecks = Object.entries(expect.body ?? {});
  if (bodyChecks.length || expect.schema !== undefined) {
    const json = view.json();
    if (!json.ok) failures.push({ kind: "body", message: json.error });
    else {
      for (const [path, matcher] of bodyChecks) {
        let selected: Selected;
        try {
          selected = select(json.value, path);
        } catch (e) {
          failures.push({ kind: "body", target: path, message: `${path}: ${(e as Error).message}` });
          continue;
        }
        for (const m of checkMatcher(selected, matcher, false, mask)) failures.push({ kind: "body", target: path, message: `${path}: ${m}` });
      }
      if (expect.schema !== undefined)
        for (const m of checkSchema(expect.schema, json.value)) failures.push({ kind: "schema", message: `schema: ${m}` });
    }
  }
  if (expect.maxDuration !== undefined && res.durationMs > expect.maxDuration)
    failures.push({ kind: "duration", message: `expected a response within ${expect.maxDuration} ms, took ${Math.round(res.durationMs)} ms` });
  return failures;
}

/** Read one capture. Returns the value, or a failure. */
export function readCapture(view: ResponseView, name: string, capture: Capture, mask?: Mask): { value: unknown } | Failure {
  const fail = (message: string): Failure => ({ kind: "capture", target: name, message: `capture ${name}: ${message}` });
  const spec = typeof capture === "string" ? { jsonpath: capture } : capture;
  let value: unknown;
  if (spec.jsonpath !== undefined) {
    const json = view.json();
    if (!json.ok) return fail(json.error);
    const s = select(json.value, spec.jsonpath);
    if (!s.exists) return fail(`${spec.jsonpath} matched nothing`);
    value = s.value;
  } else if (spec.header !== undefined) {
    value = view.header(spec.header);
    if (value === undefined) return fail(`no ${spec.header} header in the response`);
  } else if (spec.cookie !== undefined) {
    value = view.cookie(spec.cookie);
    if (value === undefined) return fail(`the response sets no cookie ${spec.cookie}`);
  }
  if (spec.regex !== undefined) {
    const text = stringify(value);
    const m = regex(spec.regex).exec(text);
    if (!m) return fail(`/${spec.regex}/ does not match ${show(text, 80, mask)}`);
    value = m[1] ?? m[0];
  }
  return { value };
}
