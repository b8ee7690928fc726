// JSONPath (RFC 9535) through jsonpath-rfc9535: a PEG parser and an interpreter over the parsed query,
// with no eval, no Function and no script filters (the class of engine behind the jsonpath-plus and
// static-eval RCEs). It passes the whole JSONPath Compliance Test Suite and has no dependencies.
import { query } from "jsonpath-rfc9535";
import parse from "jsonpath-rfc9535/parser";

interface PegError extends Error {
  location?: { start: { offset: number } };
  found?: string | null;
}

const problems = new Map<string, string | undefined>();

/** undefined when `expr` is a valid RFC 9535 query; otherwise a one-line reason with its column. */
export function jsonPathProblem(expr: string): string | undefined {
  if (problems.has(expr)) return problems.get(expr);
  const p = parseProblem(expr);
  if (problems.size < 10_000) problems.set(expr, p);
  return p;
}

function parseProblem(expr: string): string | undefined {
  try {
    parse(expr);
    return undefined;
  } catch (e) {
    const err = e as PegError;
    const offset = err.location?.start.offset;
    const found = err.found === null ? "end of input" : err.found !== undefined ? `\`${err.found}\`` : undefined;
    const where = offset !== undefined ? ` at character ${offset + 1}` : "";
    return `invalid JSONPath \`${expr}\`: ${found ? `unexpected ${found}` : "syntax error"}${where}`;
  }
}

export interface Selected {
  exists: boolean;
  value: unknown;
}

// Singular paths made of member-name shorthands and non-negative indexes ($.a.b[0].c) are the common case:
// they select at most one node and need no parser. Anything else goes to the RFC 9535 engine.
const SIMPLE = /^\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)$/;
const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]/g;
const simpleCache = new Map<string, (string | number)[] | null>();

function simpleSegments(expr: string): (string | number)[] | null {
  let segs = simpleCache.get(expr);
  if (segs === undefined) {
    const m = SIMPLE.exec(expr);
    segs = m ? [...m[1]!.matchAll(SEGMENT)].map((x) => (x[1] !== undefined ? x[1] : Number(x[2]))) : null;
    if (simpleCache.size < 10_000) simpleCache.set(expr, segs);
  }
  return segs;
}

const own = Object.prototype.hasOwnProperty;

/** Select a JSONPath from a JSON document: one node gives its value, several give the list of values. */
export function select(doc: unknown, expr: string): Selected {
  const segs = simpleSegments(expr);
  if (segs) {
    let cur: unknown = doc;
    for (const s of segs) {
      if (typeof s === "number") {
        if (!Array.isArray(cur) || s >= cur.length) return { exists: false, value: undefined };
        cur = cur[s];
      } else {
        if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !own.call(cur, s)) return { exists: false, value: undefined };
        cur = (cur as Record<string, unknown>)[s];
      }
    }
    return { exists: true, value: cur };
  }
  const nodes = query(doc as Parameters<typeof query>[0], expr);
  if (nodes.length === 0) return { exists: false, value: undefined };
  return { exists: true, value: nodes.length === 1 ? nodes[0] : nodes };
}
