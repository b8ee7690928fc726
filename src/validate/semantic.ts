// Validate, second pass: what a JSON Schema cannot say. Duplicate step names, capture sources, regexes,
// JSONPaths, embedded JSON Schemas and templates (syntax, and that every name is defined before use).
// Written defensively: it also runs on data that failed the schema, so one pass reports every problem.
import { isScalar, Scalar, type Node } from "yaml";
import type { Diagnostic } from "../errors.js";
import { locate, pointer, pointerSegments, type Source } from "../load/source.js";
import { jsonPathProblem } from "../assert/jsonpath.js";
import { userSchemaProblem } from "../assert/schema.js";
import { isMatcherObject, regex } from "../assert/matchers.js";
import { hasTemplate, refLabel, type Ref } from "../template/template.js";
import { checkTemplates as checkTemplatesIn, type TemplateSink } from "./template-check.js";

/** An env.* or secrets.* reference; its position is computed only when it is needed (a missing variable). */
export interface EnvRef {
  ref: Ref;
  position(): { line: number; col: number };
}

export interface SemanticResult {
  diagnostics: Diagnostic[];
  /** env.* and secrets.* references, checked against the environment at run start. */
  envRefs: EnvRef[];
  /** Every name the file captures (its steps' and its includes'): what it hands on as a setup spec or an included file. */
  captures: string[];
}

/** Resolves the `include:` of a step (src/suite/include.ts); bound to the including file. */
export interface IncludeHost {
  resolve(stepIndex: number, target: string): { captures: readonly string[]; variables: readonly string[] } | { problem: string };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const q = (s: unknown) => "`" + String(s) + "`";

export function semanticCheck(source: Source, cliVars: ReadonlySet<string>, includes?: IncludeHost): SemanticResult {
  const diagnostics: Diagnostic[] = [];
  const envRefs: SemanticResult["envRefs"] = [];
  const captures = new Set<string>();
  const data = source.data;
  // Not a mapping: the schema check reports it (once); there is nothing more to check.
  if (!isObj(data)) return { diagnostics, envRefs, captures: [] };
  const report = (segs: (string | number)[], message: string, opts: { key?: string; atKey?: boolean; offset?: number } = {}) => {
    const path = pointer(segs);
    let pos = locate(source, path, opts);
    if (opts.offset !== undefined) pos = withOffset(source, path, pos, opts.offset);
    diagnostics.push({ file: source.file, ...pos, path: path || "/", message });
  };

  // Templates: check syntax and that each name is defined where it is used.
  const sink: TemplateSink = {
    problem: (at, message, offset) => report(at, message, { offset }),
    envRef: (ref, at, offset) => {
      const path = pointer(at);
      envRefs.push({ ref, position: () => withOffset(source, path, locate(source, path), offset) });
    },
  };
  const checkTemplates = (value: unknown, segs: (string | number)[], known: ReadonlySet<string>, later?: Map<string, string>, how = "captured") =>
    checkTemplatesIn(value, segs, known, sink, (ref, didYouMean) => {
      const laterStep = later?.get(ref.name);
      return laterStep
        ? how === "defined"
          ? `variable ${q(ref.name)} is defined after this one: a variable can use only the variables before it`
          : `variable ${q(ref.name)} is captured only by a later step (${q(laterStep)}): a capture is visible to the steps after it`
        : `unknown variable ${q(refLabel(ref))}: not defined in \`variables\`, by --var, or by a capture of an earlier step${didYouMean}`;
    });

  const known = new Set<string>(cliVars);
  if (isObj(data.variables)) {
    // Variables are defined in order: a value may use the variables before it (and env/secrets, --var).
    const defined = new Set<string>(cliVars);
    const names = Object.keys(data.variables);
    for (const [name, value] of Object.entries(data.variables)) {
      const after = new Map(names.filter((n) => !defined.has(n) && n !== name).map((n) => [n, `variables.${n}`]));
      checkTemplates(value, ["variables", name], defined, after, "defined");
      defined.add(name);
      known.add(name);
    }
  }
  checkTemplates(data.baseUrl, ["baseUrl"], known);
  // Spec-level auth applies to every step: it may use variables, not captures.
  checkTemplates(data.auth, ["auth"], known);
  // Spec defaults may name any capture of the spec (its steps' and its includes'): a default header is left
  // out until its variables exist. Checked once, after the steps; their env refs keep their place here.
  const defaultsRefsAt = envRefs.length;

  const steps = Array.isArray(data.steps) ? data.steps : [];
  // Which step captures each name (for "captured only by a later step").
  const capturedBy = new Map<string, string>();
  steps.forEach((step) => {
    if (isObj(step) && isObj(step.capture) && typeof step.name === "string")
      for (const name of Object.keys(step.capture)) if (!capturedBy.has(name)) capturedBy.set(name, step.name);
  });

  const names = new Map<string, number>();
  steps.forEach((step, i) => {
    if (!isObj(step)) return;
    const at = (...segs: (string | number)[]) => ["steps", i, ...segs];
    if (typeof step.include === "string" && includes) {
      checkTemplates(step.variables, at("variables"), known, capturedBy);
      const r = includes.resolve(i, step.include);
      if ("problem" in r) report(at("include"), r.problem);
      else {
        if (isObj(step.variables))
          for (const name of Object.keys(step.variables))
            if (!r.variables.includes(name))
              report(at("variables", name), `${q(step.include)} has no variable ${q(name)}: declare it in that file's \`variables\` (with a default) to pass it in`, { atKey: true });
        for (const name of r.captures) {
          known.add(name);
          captures.add(name);
        }
      }
    }
    if (typeof step.name === "string") {
      const first = names.get(step.name);
      if (first !== undefined) report(at("name"), `duplicate step name ${q(step.name)} (first used at line ${locate(source, pointer(["steps", first, "name"])).line})`);
      else names.set(step.name, i);
    }
    // A name that is not known yet but is captured somewhere is captured by this step or a later one.
    checkTemplates(step.request, at("request"), known, capturedBy);
    checkTemplates(step.oauth2, at("oauth2"), known, capturedBy);
    checkTemplates(step.auth, at("auth"), known, capturedBy);
    checkTemplates(step.expect, at("expect"), known, capturedBy);
    const rq = step.request;
    if (isObj(rq)) {
      // got refuses to send a GET with a body (and a HEAD body is never read): say so now, not at run time.
      const method = rq.method ?? "GET";
      const body = ["json", "form", "body"].find((k) => Object.hasOwn(rq, k));
      if (body && (method === "GET" || method === "HEAD"))
        report(at("request", body), `a ${method} request cannot have a body (\`${body}\`): set \`method\` to POST, PUT, PATCH or DELETE`, { atKey: true });
    }

    const expect = step.expect;
    if (isObj(expect)) {
      for (const where of ["headers", "body"] as const) {
        const m = expect[where];
        if (!isObj(m)) continue;
        for (const [key, matcher] of Object.entries(m)) {
          if (where === "body" && key.startsWith("$")) {
            const problem = jsonPathProblem(key);
            if (problem) report(at("expect", "body", key), problem, { atKey: true });
          }
          checkRegexes(matcher, at("expect", where, key), report);
        }
      }
      if (isObj(expect.jwt)) {
        const jwt = expect.jwt;
        if (typeof jwt.token === "string" && jwt.token.startsWith("$") && !jwt.token.startsWith("${{")) {
          const problem = jsonPathProblem(jwt.token);
          if (problem) report(at("expect", "jwt", "token"), problem);
        } else if (typeof jwt.token === "string" && !hasTemplate(jwt.token))
          report(at("expect", "jwt", "token"), "jwt.token must be a JSONPath into the body (such as `$.access_token`) or a template such as `${{ token }}`");
        if (isObj(jwt.claims)) for (const [claim, m] of Object.entries(jwt.claims)) checkRegexes(m, at("expect", "jwt", "claims", claim), report);
      }
      if (isObj(expect.cookies))
        for (const [name, c] of Object.entries(expect.cookies)) if (isObj(c)) checkRegexes(c.value, at("expect", "cookies", name, "value"), report);
      if (isObj(expect.schema)) {
        const problem = userSchemaProblem(expect.schema);
        if (problem) report(at("expect", "schema"), `invalid JSON Schema: ${problem}`, { atKey: true });
      }
    }

    if (isObj(step.capture)) {
      for (const [name, cap] of Object.entries(step.capture)) {
        const cat = at("capture", name);
        if (typeof cap === "string") {
          if (cap.startsWith("$")) {
            const problem = jsonPathProblem(cap);
            if (problem) report(cat, problem);
          }
        } else if (isObj(cap)) {
          const sources = ["jsonpath", "header", "cookie"].filter((k) => k in cap);
          if (sources.length !== 1)
            report(cat, sources.length === 0
              ? `capture ${q(name)} needs a source: jsonpath, header or cookie`
              : `capture ${q(name)} has ${sources.length} sources (${sources.join(", ")}); use exactly one`);
          if (typeof cap.jsonpath === "string" && cap.jsonpath.startsWith("$")) {
            const problem = jsonPathProblem(cap.jsonpath);
            if (problem) report([...cat, "jsonpath"], problem);
          }
          if (typeof cap.regex === "string") {
            const problem = regexProblem(cap.regex);
            if (problem) report([...cat, "regex"], problem);
          }
        }
      }
      // Captures become visible to the following steps.
      for (const name of Object.keys(step.capture)) {
        known.add(name);
        captures.add(name);
      }
    }
  });
  // `known` now holds the variables and every capture of the file's steps and includes.
  const stepRefs = envRefs.splice(defaultsRefsAt);
  checkTemplates(data.defaults, ["defaults"], known);
  envRefs.push(...stepRefs);
  return { diagnostics, envRefs, captures: [...captures] };
}

function checkRegexes(matcher: unknown, segs: (string | number)[], report: (s: (string | number)[], m: string) => void): void {
  if (!isMatcherObject(matcher)) return;
  const m = matcher as Obj;
  if (typeof m.matches === "string" && !hasTemplate(m.matches)) {
    const problem = regexProblem(m.matches);
    if (problem) report([...segs, "matches"], problem);
  }
  if (isMatcherObject(m.length)) checkRegexes(m.length, [...segs, "length"], report);
}

function regexProblem(source: string): string | undefined {
  if (hasTemplate(source)) return undefined;
  try {
    regex(source);
    return undefined;
  } catch (e) {
    return `invalid regular expression ${q(source)}: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "")}`;
  }
}

/** Move a position right by a character offset inside a single-line scalar (for templates in long strings). */
function withOffset(source: Source, path: string, pos: { line: number; col: number }, offset: number) {
  const node = path === "" ? source.doc.contents : (source.doc.getIn(pointerSegments(path), true) as Node | undefined);
  if (!isScalar(node) || typeof node.value !== "string") return pos;
  const raw = node.source ?? node.value;
  if (raw.includes("\n") || node.value.includes("\n")) return pos;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  return { line: pos.line, col: pos.col + offset + (quoted ? 1 : 0) };
}
