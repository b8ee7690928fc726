// Validate: run a precompiled JSON Schema validator and turn ajv's errors into located, readable diagnostics.
import type { ErrorObject, ValidateFunction } from "ajv";
import type { Diagnostic } from "../errors.js";
import { locate, pointerSegments, type Source } from "../load/source.js";
import { show } from "../assert/matchers.js";
import { closest } from "./suggest.js";

const q = (s: unknown) => "`" + String(s) + "`";

/** The name of the field an instance path ends in (the last non-index segment). */
function fieldName(path: string): string {
  const segs = pointerSegments(path);
  for (let i = segs.length - 1; i >= 0; i--) if (!/^\d+$/.test(segs[i]!)) return segs[i]!;
  return "spec";
}

const TYPE_NAMES: Record<string, string> = {
  integer: "an integer", number: "a number", string: "a string", boolean: "true or false", object: "a mapping",
  array: "a list", null: "null",
};
const typeName = (t: string | string[]) =>
  (Array.isArray(t) ? t : t.split(",")).map((x) => TYPE_NAMES[x] ?? x).join(" or ");
const actualType = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a mapping" : `${typeof v} ${show(v, 40)}`;

function translate(e: ErrorObject, source: Source): Diagnostic | undefined {
  const path = e.instancePath;
  const field = fieldName(path);
  const base = { file: source.file, path: path || "/" };
  const at = (opts?: { key?: string; atKey?: boolean }) => ({ ...base, ...locate(source, path, opts) });
  const schemaPath = e.schemaPath;
  switch (e.keyword) {
    case "if":
    case "propertyNames":
      return undefined; // the underlying error is reported on its own
    case "additionalProperties": {
      const key = String(e.params.additionalProperty);
      const valid = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const guess = closest(key, valid);
      const hint = guess ? `; did you mean ${q(guess)}?` : valid.length ? ` (expected one of: ${valid.join(", ")})` : "";
      return { ...at({ key }), path: `${path}/${key}`, message: `unknown key ${q(key)}${hint}` };
    }
    case "required":
      if (schemaPath.includes("/oneOf/")) return undefined; // reported by the oneOf error below
      return { ...at(), message: `missing required key ${q(e.params.missingProperty)}` };
    case "oneOf":
      if (e.data && typeof e.data === "object" && "request" in e.data && "oauth2" in e.data)
        return { ...at({ key: "oauth2" }), path: `${path}/oauth2`, message: "a step has either `request` or `oauth2` (a token step), not both" };
      return { ...at(), message: "missing required key `request` (or `oauth2` for a token step)" };
    case "type": {
      // An item of a list (/steps/0) is named as such, not as the list.
      const what = /\/\d+$/.test(path) ? `each item of ${q(field)}` : q(field);
      return { ...at(), message: `${what} must be ${typeName(e.params.type)}, got ${actualType(e.data)}` };
    }
    case "enum": {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const guess = typeof e.data === "string" ? closest(e.data, allowed) : undefined;
      return {
        ...at(),
        message: `${q(field)} must be one of ${allowed.join(", ")}; got ${show(e.data, 40)}${guess ? `; did you mean ${q(guess)}?` : ""}`,
      };
    }
    case "pattern": {
      if (schemaPath.includes("/status/")) {
        return { ...at(), message: `invalid status ${show(e.data)}: use a code (100-599), a list of codes, or a class 1xx to 5xx` };
      }
      if (e.propertyName !== undefined) {
        const key = e.propertyName;
        const message = schemaPath.includes("/body/")
          ? `body key ${q(key)} is not a JSONPath: it must start with \`$\` (for example \`$.${key}\`)`
          : `invalid name ${q(key)}: use letters, digits, \`_\` and \`-\`, starting with a letter or \`_\``;
        return { ...at({ key }), path: `${path}/${key}`, message };
      }
      if (schemaPath.includes("capture")) {
        return {
          ...at(),
          message: `capture ${q(field)}: ${show(e.data, 60)} is not a JSONPath (it must start with \`$\`); use { header: NAME } or { cookie: NAME } for other sources`,
        };
      }
      return { ...at(), message: `${q(field)} must match ${e.params.pattern}` };
    }
    case "not":
      if (schemaPath.includes("request") || field === "request") {
        const bodies = ["json", "form", "body"].filter((k) => e.data && typeof e.data === "object" && k in e.data);
        return { ...at(), message: `a request has at most one body (json, form or body); found ${bodies.join(" and ")}` };
      }
      return { ...at(), message: e.message ?? "invalid value" };
    case "false schema":
      // The step schema's if/then/else: an include step has no request; only an include step takes variables.
      if (field === "variables") return { ...at({ atKey: true }), message: "`variables` on a step passes variables to an `include`; this step has no `include`" };
      if (schemaPath.includes("/else/then/"))
        return { ...at({ atKey: true }), message: `a token step has no ${q(field)}: it authenticates with its own \`clientId\` and \`clientSecret\`` };
      return { ...at({ atKey: true }), message: `an include step has no ${q(field)}: it runs the steps of the included file (use a separate step for a request)` };
    case "minItems":
      return { ...at(), message: field === "steps" ? "a spec needs at least one step" : `${q(field)} must not be empty` };
    case "minLength":
      return { ...at(), message: `${q(field)} must not be empty` };
    case "minProperties":
    case "maxProperties": {
      const keys = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      if (e.keyword === "minProperties" && (e.parentSchema as { title?: string })?.title === "Matcher")
        return { ...at(), message: `empty matcher: use at least one of equals, notEquals, matches, exists, type, contains, oneOf, gt, gte, lt, lte, length` };
      if (e.keyword === "minProperties") return { ...at(), message: `${q(field)} must not be empty: use ${keys.join(", ")}` };
      const found = e.data && typeof e.data === "object" ? Object.keys(e.data).join(" and ") : "";
      return { ...at(), message: `${q(field)} takes exactly one of ${keys.join(", ")}; found ${found}` };
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
      if (schemaPath.includes("/status/")) return { ...at(), message: `${show(e.data)} is not an HTTP status code (100-599)` };
      return { ...at(), message: `${q(field)} must be ${e.params.comparison} ${e.params.limit}, got ${show(e.data)}` };
    default:
      return { ...at(), message: `${q(field)} ${e.message ?? "is invalid"}` };
  }
}

export function schemaDiagnostics(source: Source, validate: ValidateFunction): Diagnostic[] {
  if (validate(source.data)) return [];
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  // A misspelled required key (`stpes`) is one problem: the "did you mean `steps`?" says it all, so the
  // "missing required key `steps`" of the same mapping is left out.
  const misspelled = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== "additionalProperties") continue;
    const valid = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
    const guess = closest(String(e.params.additionalProperty), valid);
    if (guess) misspelled.add(`${e.instancePath}\0${guess}`);
  }
  for (const e of errors) {
    if (e.keyword === "required" && misspelled.has(`${e.instancePath}\0${String(e.params.missingProperty)}`)) continue;
    // The same for a step's request-or-oauth2 choice (`requets`: did you mean `request`?).
    if (e.keyword === "oneOf" && ["request", "oauth2"].some((k) => misspelled.has(`${e.instancePath}\0${k}`))) continue;
    const d = translate(e, source);
    if (!d) continue;
    const key = `${d.line}:${d.col}:${d.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(d);
    }
  }
  return out;
}
