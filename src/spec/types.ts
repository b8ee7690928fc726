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
  auth?: Auth;
  cookies?: boolean;
  defaults?: Defaults;
  skip?: boolean;
  only?: boolean;
  steps: Step[];
}

/** Defaults for every request: in the suite config and in a spec (the spec's win). */
export interface Defaults {
  headers?: Record<string, Scalar>;
  timeout?: number;
  followRedirects?: boolean;
  tls?: TlsOptions;
  /** Bytes (decompressed). */
  maxResponseSize?: number;
}

/**
 * A request step (`name` and one of `request` and `oauth2` required) or an include step (`include`,
 * optional `name` and `variables`; no request, oauth2, auth, expect, capture or retry). The schema's
 * if/then/else says which is which.
 */
export interface Step {
  /** Required on request steps; optional on include steps (it names the included steps in reports). */
  name?: string;
  description?: string;
  include?: string;
  variables?: Record<string, unknown>;
  skip?: boolean;
  only?: boolean;
  retry?: Retry;
  /** On request steps, exactly one of request and oauth2 (a token step) is set; include steps have neither. */
  request?: RequestSpec;
  oauth2?: OAuth2;
  auth?: Auth;
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
  trustRedirects?: boolean;
  cookies?: boolean;
  tls?: TlsOptions;
  /** Bytes (decompressed); default: the spec's defaults, the config's, --max-response-size, then 10 MB. */
  maxResponseSize?: number;
}

/** Exactly one key is set. */
export interface Auth {
  oauth2?: OAuth2;
  basic?: { username: string; password: string };
  bearer?: string;
}

export type OAuth2Grant = "client_credentials" | "password" | "refresh_token";

export interface OAuth2 {
  grant?: OAuth2Grant;
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  clientAuth?: "basic" | "body";
  scope?: string;
  audience?: string;
  resource?: string;
  username?: string;
  password?: string;
  refreshToken?: string;
  params?: Record<string, Scalar>;
  retryOn401?: boolean;
}

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  insecure?: boolean;
}

/** A request or token step (what the schema requires when `include` is absent). */
export type RequestStep = Step & { name: string };
export const isRequestStep = (s: Step): s is RequestStep => s.include === undefined;

export interface Retry {
  /** Extra attempts. */
  count: number;
  /** Milliseconds between attempts (default 0). */
  delay?: number;
}

/** authspec.config.yaml (schemas/config.schema.json). */
export interface SuiteConfigFile {
  baseUrl?: string;
  variables?: Record<string, unknown>;
  defaults?: Defaults;
  auth?: Auth;
  environments?: Record<string, Environment>;
  setup?: string[];
  teardown?: string[];
  jobs?: number;
}

export interface Environment {
  baseUrl?: string;
  variables?: Record<string, unknown>;
}

/** A number, a list of numbers, or a class such as "2xx". */
export type StatusExpectation = number | number[] | string;

export interface Expect {
  status?: StatusExpectation;
  headers?: Record<string, Matcher>;
  body?: Record<string, Matcher>;
  schema?: Record<string, unknown> | boolean;
  maxDuration?: number;
  cookies?: Record<string, CookieExpect>;
  jwt?: JwtExpect;
}

export interface CookieExpect {
  value?: Matcher;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: "Strict" | "Lax" | "None";
  path?: string;
  domain?: string;
}

export interface JwtExpect {
  token: string;
  claims?: Record<string, Matcher>;
  verify?: { jwksUrl?: string; secret?: string; publicKey?: string };
  clockSkew?: number;
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
  spec: keys<Spec>()(["name", "description", "tags", "baseUrl", "variables", "auth", "cookies", "defaults", "skip", "only", "steps"]),
  step: keys<Step>()(["name", "description", "include", "variables", "skip", "only", "retry", "request", "oauth2", "auth", "expect", "capture"]),
  defaults: keys<Defaults>()(["headers", "timeout", "followRedirects", "tls", "maxResponseSize"]),
  retry: keys<Retry>()(["count", "delay"]),
  config: keys<SuiteConfigFile>()(["baseUrl", "variables", "defaults", "auth", "environments", "setup", "teardown", "jobs"]),
  environment: keys<Environment>()(["baseUrl", "variables"]),
  request: keys<RequestSpec>()([
    "method", "url", "query", "headers", "json", "form", "body", "timeout", "followRedirects", "trustRedirects", "cookies", "tls", "maxResponseSize",
  ]),
  expect: keys<Expect>()(["status", "headers", "body", "schema", "maxDuration", "cookies", "jwt"]),
  matcherObject: keys<MatcherObject>()([
    "equals", "notEquals", "matches", "exists", "type", "contains", "oneOf", "gt", "gte", "lt", "lte", "length",
  ]),
  capture: keys<CaptureObject>()(["jsonpath", "header", "cookie", "regex", "secret"]),
  auth: keys<Auth>()(["oauth2", "basic", "bearer"]),
  oauth2: keys<OAuth2>()([
    "grant", "tokenUrl", "clientId", "clientSecret", "clientAuth", "scope", "audience", "resource", "username", "password", "refreshToken",
    "params", "retryOn401",
  ]),
  tls: keys<TlsOptions>()(["ca", "cert", "key", "passphrase", "insecure"]),
  cookieExpect: keys<CookieExpect>()(["value", "httpOnly", "secure", "sameSite", "path", "domain"]),
  jwt: keys<JwtExpect>()(["token", "claims", "verify", "clockSkew"]),
};
