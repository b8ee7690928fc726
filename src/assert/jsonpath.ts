// JSONPath (RFC 9535) through jsonpath-rfc9535: a PEG parser and an interpreter over the parsed query,
// with no eval, no Function and no script filters (the class of engine behind the jsonpath-plus and
// static-eval RCEs). It passes the whole JSONPath Compliance Test Suite and has no dependencies.
import { query } from "jsonpath-rfc9535";
import parse from "jsonpath-rfc9535/parser";

interface PegError extends Error {
  location?: { start: { offset: number } };
  found?: string | null;
}

/** undefined when `expr` is a valid RFC 9535 query; otherwise a one-line reason with its column. */
export function jsonPathProblem(expr: string): string | undefined {
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

/** Select a JSONPath from a JSON document: one node gives its value, several give the list of values. */
export function select(doc: unknown, expr: string): Selected {
  const nodes = query(doc as Parameters<typeof query>[0], expr);
  if (nodes.length === 0) return { exists: false, value: undefined };
  return { exists: true, value: nodes.length === 1 ? nodes[0] : nodes };
}
