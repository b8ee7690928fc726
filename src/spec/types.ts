// The spec format (v1) as TypeScript types. schemas/spec.schema.json is the source of truth: the key lists
// below are checked against it by test/schema-drift.test.ts, and against these types by the compiler.

export type Scalar = string | number | boolean;
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
export type JsonType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";

export interface Spec {
  name: string;
  description?: string;
  tags?: string[];
  baseUrl?: string;
  variables?: Record<string, unknown>;
  steps: Step[];
  /** Bytes; the default of every request of this spec. */
  maxResponseSize?: number;
}

export interface Step {
  name: string;
  description?: string;
  request: RequestSpec;
  expect?: Expect;
  capture?: Record<string, Capture>;
}

export interface RequestSpec {
  method?: HttpMethod;
  url: string;
  query?: Record<string, Scalar>;
  headers?: Record<string, Scalar>;
  json?: unknown;
  form?: Record<string, Scalar>;
  body?: string;
  timeout?: number;
  followRedirects?: boolean;
  /** Bytes (decompressed); default the spec's, then --max-response-size, then 10 MB. */
  maxResponseSize?: number;
}

/** A number, a list of numbers, or a class such as "2xx". */
export type StatusExpectation = number | number[] | string;

export interface Expect {
  status?: StatusExpectation;
  headers?: Record<string, Matcher>;
  body?: Record<string, Matcher>;
  schema?: Record<string, unknown> | boolean;
  maxDuration?: number;
}

/** A bare value (means equals) or a matcher object whose keys must all hold. */
export type Matcher = string | number | boolean | null | unknown[] | MatcherObject;

export interface MatcherObject {
  equals?: unknown;
  notEquals?: unknown;
  matches?: string;
  exists?: boolean;
  type?: JsonType;
  contains?: unknown;
  oneOf?: unknown[];
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  length?: number | string | MatcherObject;
}

export type Capture = string | CaptureObject;

export interface CaptureObject {
  jsonpath?: string;
  header?: string;
  cookie?: string;
  regex?: string;
  secret?: boolean;
}

// keys<T>()([...]) accepts only keys of T and, through the rest parameter, fails to compile when one is missing.
const keys =
  <T>() =>
  <const K extends readonly (keyof T)[]>(k: K, ..._missing: [keyof T] extends [K[number]] ? [] : [Exclude<keyof T, K[number]>]) =>
    k;

/** Property names of each object type, in schema order; kept equal to the schema by a test. */
export const KEYS = {
  spec: keys<Spec>()(["name", "description", "tags", "baseUrl", "variables", "steps", "maxResponseSize"]),
  step: keys<Step>()(["name", "description", "request", "expect", "capture"]),
  request: keys<RequestSpec>()(["method", "url", "query", "headers", "json", "form", "body", "timeout", "followRedirects", "maxResponseSize"]),
  expect: keys<Expect>()(["status", "headers", "body", "schema", "maxDuration"]),
  matcherObject: keys<MatcherObject>()([
    "equals", "notEquals", "matches", "exists", "type", "contains", "oneOf", "gt", "gte", "lt", "lte", "length",
  ]),
  capture: keys<CaptureObject>()(["jsonpath", "header", "cookie", "regex", "secret"]),
};
