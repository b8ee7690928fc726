// Load: read a YAML file into a document that keeps positions, so every later stage can point at file:line:col.
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from "yaml";
import type { Diagnostic } from "../errors.js";

export interface Source {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** The plain data (undefined when the file has syntax errors). */
  data: unknown;
}

/**
 * A source whose data came from the fast parser: the yaml Document (positions) is built on first use,
 * which happens only when something must be located (a missing environment variable).
 */
export function lazySource(file: string, text: string, data: unknown): Source {
  let parsed: Source | undefined;
  const full = () => (parsed ??= parseSource(file, text).source);
  return {
    file,
    data,
    get doc() {
      return full().doc;
    },
    get lineCounter() {
      return full().lineCounter;
    },
  };
}

const MAX_ALIAS_COUNT = 1000;

export function parseSource(file: string, text: string): { source: Source; diagnostics: Diagnostic[] } {
  const lineCounter = new LineCounter();
  // A leading BOM is not content; yaml keeps offsets relative to the text it was given, so strip it first
  // and every position stays right (the BOM is not a column a user can see).
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // A binary file: say so (at its first NUL byte) instead of listing the YAML errors of its bytes.
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    const { line, col } = positionOf(text, nul);
    return { source: { file, doc: parseDocument(""), lineCounter, data: undefined }, diagnostics: [{ file, line, col, message: "not a text file: it contains NUL bytes" }] };
  }
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: "silent" });
  const source: Source = { file, doc, lineCounter, data: undefined };
  const diagnostics: Diagnostic[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    // An unclosed quote is detected at the end of the file: point at the quote that opened it instead.
    const at = e.code === "MISSING_CHAR" && /quote/.test(e.message) ? (openingQuote(doc, e.pos[0]) ?? e.pos[0]) : e.pos[0];
    const { line, col } = lineCounter.linePos(at);
    const duplicate = e.code === "DUPLICATE_KEY" ? (/^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\r\n]+?)\s*:/.exec(text.slice(e.pos[0], e.pos[0] + 200))?.[1] ?? "?") : "";
    diagnostics.push({ file, line, col, message: duplicate ? `duplicate key \`${duplicate}\`` : yamlMessage(e.code, e.message) });
  }
  if (diagnostics.length) return { source, diagnostics };
  try {
    source.data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    diagnostics.push({ file, line: 1, col: 1, message: `YAML aliases expand too far (more than ${MAX_ALIAS_COUNT} alias nodes): ${(e as Error).message}` });
    return { source, diagnostics };
  }
  if (source.data === undefined || source.data === null)
    diagnostics.push({ file, line: 1, col: 1, message: "the file is empty: a spec needs at least `name` and `steps`" });
  return { source, diagnostics };
}

/** Where the quoted scalar that runs up to `offset` starts, if there is one. */
function openingQuote(doc: Document, offset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_, n) {
      if ((n.type === "QUOTE_DOUBLE" || n.type === "QUOTE_SINGLE") && n.range && n.range[0] < offset && n.range[2] >= offset) found = n.range[0];
    },
  });
  return found;
}

/** 1-based line and column of a UTF-16 offset (for problems found before the YAML parser runs). */
export function positionOf(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

function yamlMessage(code: string, message: string): string {
  // yaml's messages carry their own "at line X, column Y" suffix; the position is already in front of ours.
  const text = message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "").trim();
  if (code === "DUPLICATE_KEY") return "duplicate key";
  if (code === "TAG_RESOLVE_FAILED") return `unknown YAML tag: ${text.replace(/^Unresolved tag:\s*/, "")}`;
  if (code === "TAB_AS_INDENT") return "YAML syntax error: tabs are not allowed as indentation";
  return `YAML syntax error: ${text}`;
}

/** Split a JSON pointer into its unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function pointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => "/" + String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("");
}

/**
 * The line:col of the value at a JSON pointer; falls back to the nearest ancestor that exists.
 * With `key`, points at that key of the mapping found (for unknown keys); with `atKey`, at the key
 * of the last segment instead of its value.
 */
export function locate(source: Source, instancePath: string, opts: { key?: string; atKey?: boolean } = {}): { line: number; col: number } {
  const { doc, lineCounter } = source;
  const path = pointerSegments(instancePath);
  let keyName = opts.key;
  if (opts.atKey && keyName === undefined && path.length) keyName = path.pop();
  let node: Node | null | undefined;
  for (let n = path.length; n >= 0 && !node; n--)
    node = n === 0 ? (doc.contents as Node | null) : (doc.getIn(path.slice(0, n), true) as Node | undefined);
  if (keyName !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === keyName);
    if (pair && isScalar(pair.key)) node = pair.key;
  }
  return lineCounter.linePos(node?.range?.[0] ?? 0);
}
