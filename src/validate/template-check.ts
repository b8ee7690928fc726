// The template check shared by specs (semantic.ts) and the suite config (suite/config.ts): the syntax of
// every `${{ }}` in a value, env.* / secrets.* references recorded for the run-start check, and names that
// are not defined where they are used. The caller says how a problem is reported and words "unknown".
import { scan, templateStrings, type Ref } from "../template/template.js";
import { closest } from "./suggest.js";

export type Segs = (string | number)[];

export interface TemplateSink {
  /** A problem at `at` (the value's path), `offset` characters into the string. */
  problem(at: Segs, message: string, offset: number): void;
  /** An env.* or secrets.* reference at `at`, `offset` characters into the string. */
  envRef(ref: Ref, at: Segs, offset: number): void;
}

/**
 * Check the templates in `value` (found under `segs`). A variable not in `known` is reported with the
 * message `unknown` returns; `didYouMean` is "" or "; did you mean `name`?" (the closest known name).
 */
export function checkTemplates(
  value: unknown,
  segs: Segs,
  known: ReadonlySet<string>,
  sink: TemplateSink,
  unknown: (ref: Ref, didYouMean: string) => string,
): void {
  for (const { path, text } of templateStrings(value)) {
    const at = [...segs, ...path];
    const { tokens, problems } = scan(text);
    for (const p of problems) sink.problem(at, p.message, p.offset);
    for (const t of tokens) {
      if (t.ref.kind !== "var") sink.envRef(t.ref, at, t.start);
      else if (!known.has(t.ref.name)) {
        const guess = closest(t.ref.name, [...known]);
        sink.problem(at, unknown(t.ref, guess ? `; did you mean \`${guess}\`?` : ""), t.start);
      }
    }
  }
}
