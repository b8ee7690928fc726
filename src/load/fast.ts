// Load, fast path: js-yaml parses about ten times faster than `yaml` (12 ms against 150 ms for a
// 19,000-line spec) but keeps no positions. It is used only to accept files: a file it parses is
// validated on that data, and only when everything is valid is the result kept. Anything else (a
// js-yaml error, an anchor or alias, a NUL byte, any validation problem) goes through the `yaml`
// path, which decides and reports with positions. So messages and positions always come from one
// parser, and js-yaml can only make a valid file load faster.
import jsYaml from "js-yaml";

export interface FastParse {
  data: unknown;
  /** 1-based line where each value (object or array) starts: for the line of each step. */
  lineOf: WeakMap<object, number>;
}

interface LoaderState {
  line: number;
  result: unknown;
  anchorMap?: Record<string, unknown>;
}

export function fastParse(text: string): FastParse | undefined {
  // NUL bytes, and binary integers (js-yaml's core schema reads 0b11 as 3, `yaml` as the string "0b11").
  if (text.includes("\0") || /\b0b[01]/.test(text)) return undefined;
  const lineOf = new WeakMap<object, number>();
  const open: number[] = [];
  let state: LoaderState | undefined;
  let data: unknown;
  try {
    data = jsYaml.load(text, {
      schema: jsYaml.CORE_SCHEMA, // YAML 1.2 core, as `yaml` reads it: no timestamps, no merge keys, no binary
      listener(event, s) {
        state = s as unknown as LoaderState;
        if (event === "open") open.push(state.line + 1);
        else {
          const line = open.pop()!;
          if (state.result !== null && typeof state.result === "object") lineOf.set(state.result, line);
        }
      },
    });
  } catch {
    return undefined;
  }
  // Anchors and aliases go through `yaml`, which bounds alias expansion (js-yaml shares the node, and a
  // walk over a billion-laughs document would not end). Unknown loader internals count as "maybe".
  if (!state || typeof state.anchorMap !== "object" || state.anchorMap === null || Object.keys(state.anchorMap).length > 0) return undefined;
  return { data, lineOf };
}
