// Matchers: a bare value means equals; a matcher object's keys must all hold. Pure functions.
import { cutAt } from "../text.js";
import { isDeepStrictEqual } from "node:util";
import type { JsonType, Matcher, MatcherObject } from "../spec/types.js";
import type { Selected } from "./jsonpath.js";

export const isMatcherObject = (m: unknown): m is MatcherObject =>
  m !== null && typeof m === "object" && !Array.isArray(m);

/** Masks the secrets in a text (Redactor.redact): applied before a value is cut for a message. */
export type Mask = (text: string) => string;

/**
 * Show a value in a message: JSON, cut to `max` characters. With `mask`, secrets are masked before the
 * cut: a secret cut in half would no longer be recognised by the output's redaction, and its first part
 * would be shown.
 */
export function show(v: unknown, max = 120, mask?: Mask): string {
  if (v === undefined) return "nothing";
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  if (mask && s.length > max) s = mask(s);
  return s.length > max ? cutAt(s, max) + "…" : s;
}

const typeOf = (v: unknown): JsonType =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : (typeof v as JsonType);

function hasType(v: unknown, t: JsonType): boolean {
  if (t === "integer") return Number.isInteger(v);
  return typeOf(v) === t;
}

const equal = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

function compare(actual: unknown, expected: unknown): number | undefined {
  const num = (x: unknown) => (typeof x === "number" ? x : typeof x === "string" && x.trim() !== "" && !isNaN(Number(x)) ? Number(x) : undefined);
  const a = num(actual);
  const b = num(expected);
  if (a !== undefined && b !== undefined) return a - b;
  if (typeof actual === "string" && typeof expected === "string") return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

const regexCache = new Map<string, RegExp>();
export function regex(source: string): RegExp {
  let r = regexCache.get(source);
  if (!r) {
    r = new RegExp(source);
    regexCache.set(source, r);
  }
  return r;
}

/**
 * Check a selected value against a matcher. Returns one message per failed condition (empty: it holds).
 * `coerce` compares scalars as strings (headers are strings on the wire).
 */
export function checkMatcher(actual: Selected, matcher: Matcher, coerce = false, mask?: Mask): string[] {
  const sh = (v: unknown, max?: number) => show(v, max, mask);
  if (!isMatcherObject(matcher)) {
    if (!actual.exists) return [`expected ${sh(matcher)}, got nothing`];
    const expected = coerce && matcher !== null && typeof matcher !== "object" ? String(matcher) : matcher;
    return equal(actual.value, expected) ? [] : [`expected ${sh(expected)}, got ${sh(actual.value)}`];
  }
  const m = matcher;
  const fails: string[] = [];
  if (m.exists !== undefined) {
    if (m.exists !== actual.exists) fails.push(m.exists ? "expected a value, got nothing" : `expected nothing, got ${sh(actual.value)}`);
    if (!actual.exists) return fails;
  }
  if (!actual.exists) return ["expected a value, got nothing"];
  const v = actual.value;
  const exp = (x: unknown) => (coerce && x !== null && typeof x !== "object" ? String(x) : x);
  if ("equals" in m && !equal(v, exp(m.equals))) fails.push(`expected ${sh(exp(m.equals))}, got ${sh(v)}`);
  if ("notEquals" in m && equal(v, exp(m.notEquals))) fails.push(`expected anything but ${sh(m.notEquals)}`);
  if (m.matches !== undefined) {
    const text = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
    if (text === undefined) fails.push(`expected a string matching /${m.matches}/, got ${sh(v)}`);
    else if (!regex(m.matches).test(text)) fails.push(`expected a match for /${m.matches}/, got ${sh(v)}`);
  }
  if (m.type !== undefined && !hasType(v, m.type)) fails.push(`expected type ${m.type}, got ${typeOf(v)} ${sh(v, 60)}`);
  if ("contains" in m) {
    const ok = typeof v === "string" ? v.includes(String(m.contains)) : Array.isArray(v) ? v.some((e) => equal(e, m.contains)) : false;
    if (!ok) fails.push(`expected ${Array.isArray(v) ? "an array containing" : "a string containing"} ${sh(m.contains)}, got ${sh(v)}`);
  }
  if (m.oneOf !== undefined && !m.oneOf.some((o) => equal(v, exp(o)))) fails.push(`expected one of ${sh(m.oneOf)}, got ${sh(v)}`);
  const order: [keyof MatcherObject, string, (c: number) => boolean][] = [
    ["gt", ">", (c) => c > 0],
    ["gte", ">=", (c) => c >= 0],
    ["lt", "<", (c) => c < 0],
    ["lte", "<=", (c) => c <= 0],
  ];
  for (const [key, op, ok] of order) {
    if (m[key] === undefined) continue;
    const c = compare(v, m[key]);
    if (c === undefined) fails.push(`expected a value ${op} ${sh(m[key])}, got ${sh(v)} (not comparable)`);
    else if (!ok(c)) fails.push(`expected a value ${op} ${sh(m[key])}, got ${sh(v)}`);
  }
  if (m.length !== undefined) {
    const len = typeof v === "string" || Array.isArray(v) ? v.length : undefined;
    if (len === undefined) fails.push(`expected a string or array for length, got ${typeOf(v)}`);
    else {
      const lm = isMatcherObject(m.length) ? m.length : Number(m.length);
      for (const f of checkMatcher({ exists: true, value: len }, lm, false, mask)) fails.push(`length: ${f}`);
    }
  }
  return fails;
}
