// Templates: `${{ name }}`, `${{ env.NAME }}`, `${{ secrets.NAME }}` and nothing else. No expression
// language, no code: a template names a value, and rendering is a single pass (what a template
// produces, such as captured server data, is never scanned again).

export type RefKind = "var" | "env" | "secret";
export interface Ref {
  kind: RefKind;
  name: string;
}
export interface Token {
  ref: Ref;
  start: number;
  end: number;
}
export interface TemplateProblem {
  offset: number;
  message: string;
}
export interface Scanned {
  tokens: Token[];
  problems: TemplateProblem[];
}

const OPEN = "${{";
const EXPR = /^\s*(?:(env|secrets)\.([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_-]*))\s*$/;
const NO_TOKENS: Scanned = { tokens: [], problems: [] };
const cache = new Map<string, Scanned>();

export const hasTemplate = (s: string): boolean => s.includes(OPEN);

export function refLabel(ref: Ref): string {
  return ref.kind === "var" ? ref.name : `${ref.kind === "env" ? "env" : "secrets"}.${ref.name}`;
}

/** Find the templates in a string (memoized: spec strings are rendered once per step run). */
export function scan(s: string): Scanned {
  if (!s.includes(OPEN)) return NO_TOKENS;
  let hit = cache.get(s);
  if (!hit) {
    hit = scanUncached(s);
    if (cache.size > 10_000) cache.clear();
    cache.set(s, hit);
  }
  return hit;
}

function scanUncached(s: string): Scanned {
  const tokens: Token[] = [];
  const problems: TemplateProblem[] = [];
  let i = s.indexOf(OPEN);
  while (i >= 0) {
    const close = s.indexOf("}}", i + OPEN.length);
    const nextOpen = s.indexOf(OPEN, i + OPEN.length);
    if (close < 0 || (nextOpen >= 0 && nextOpen < close)) {
      problems.push({ offset: i, message: "unclosed template: `${{` without a matching `}}`" });
      if (close < 0) break;
      i = nextOpen;
      continue;
    }
    const expr = s.slice(i + OPEN.length, close);
    const m = EXPR.exec(expr);
    if (!m) {
      const shown = expr.trim().length > 40 ? expr.trim().slice(0, 40) + "…" : expr.trim();
      problems.push({
        offset: i,
        message: `invalid template \`\${{ ${shown} }}\`: a template is a variable name, env.NAME or secrets.NAME; expressions are not evaluated`,
      });
    } else {
      const ref: Ref = m[1] ? { kind: m[1] === "env" ? "env" : "secret", name: m[2]! } : { kind: "var", name: m[3]! };
      tokens.push({ ref, start: i, end: close + 2 });
    }
    i = s.indexOf(OPEN, close + 2);
  }
  return { tokens, problems };
}

/** Where template values come from. `lookup` returns undefined for an unknown name. */
export interface Scope {
  lookup(ref: Ref): { value: unknown } | undefined;
}

export class TemplateError extends Error {
  constructor(readonly ref: Ref) {
    super(
      ref.kind === "var"
        ? `unknown variable \`${ref.name}\``
        : `environment variable \`${ref.name}\` is not set (used as ${refLabel(ref)})`,
    );
    this.name = "TemplateError";
  }
}

/**
 * Render every string inside a value. A template that is the whole string keeps the value's type.
 * Parts without templates are returned as they are (not copied): specs are rendered once per step.
 */
export function render(value: unknown, scope: Scope): unknown {
  if (typeof value === "string") return renderString(value, scope);
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = render(value[i], scope);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    const r = render(v, scope);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return out ?? value;
}

export function renderString(s: string, scope: Scope): unknown {
  const { tokens } = scan(s);
  if (tokens.length === 0) return s;
  if (tokens.length === 1 && tokens[0]!.start === 0 && tokens[0]!.end === s.length) return resolve(tokens[0]!.ref, scope);
  let out = "";
  let last = 0;
  for (const t of tokens) {
    out += s.slice(last, t.start) + stringify(resolve(t.ref, scope));
    last = t.end;
  }
  return out + s.slice(last);
}

/** Render to a string (URLs, header values, regexes). */
export function renderText(s: string, scope: Scope): string {
  return stringify(renderString(s, scope));
}

function resolve(ref: Ref, scope: Scope): unknown {
  const hit = scope.lookup(ref);
  if (!hit) throw new TemplateError(ref);
  return hit.value;
}

export function stringify(v: unknown): string {
  if (typeof v === "string") return v;
  if (v === undefined) return "";
  if (v !== null && typeof v === "object") return JSON.stringify(v);
  return String(v);
}

/** Every string holding a template inside a value, with the path (segments) to it. */
export function templateStrings(value: unknown): { path: string[]; text: string }[] {
  const found: { path: string[]; text: string }[] = [];
  const path: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === "string") {
      if (v.includes(OPEN)) found.push({ path: path.slice(), text: v });
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(String(i));
        walk(v[i]);
        path.pop();
      }
    } else if (v !== null && typeof v === "object") {
      for (const k in v) {
        path.push(k);
        walk((v as Record<string, unknown>)[k]);
        path.pop();
      }
    }
  };
  walk(value);
  return found;
}
