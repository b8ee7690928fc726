// expect.jwt: decode a JWT (from a JSONPath into the body, or a rendered `${{ variable }}`), match its
// claims, check exp/nbf with a clock skew, and optionally verify its signature with jose: a JWKS fetched
// through the run's HttpClient (once per run and URL), a shared secret, or a PEM public key.
// The token is a secret: it is registered with the Redactor before any message can name it.
import type { JSONWebKeySet, JWTPayload } from "jose";
import { NetworkFailure, type HttpClient, type TlsMaterial } from "../http/client.js";
import type { Redactor } from "../mask.js";
import type { JwtExpect } from "../spec/types.js";
import type { Failure } from "../run/results.js";
import type { ResponseView } from "./check.js";
import { select } from "./jsonpath.js";
import { checkMatcher } from "./matchers.js";

const DEFAULT_SKEW_S = 30;

/** JWKS documents of a run, by URL: fetched once, shared by every step and spec. */
export class JwksCache {
  private readonly sets = new Map<string, Promise<JSONWebKeySet | { error: string }>>();
  constructor(private readonly client: HttpClient) {}

  get(url: string, timeoutMs: number, tls?: TlsMaterial): Promise<JSONWebKeySet | { error: string }> {
    let p = this.sets.get(url);
    if (!p) {
      p = this.fetch(url, timeoutMs, tls);
      this.sets.set(url, p);
      void p.then((r) => "error" in r && this.sets.delete(url));
    }
    return p;
  }

  private async fetch(url: string, timeoutMs: number, tls?: TlsMaterial): Promise<JSONWebKeySet | { error: string }> {
    const res = await this.client.send({ method: "GET", url, headers: { accept: "application/json" }, timeoutMs, followRedirects: true, ...(tls ? { tls } : {}) });
    if (res instanceof NetworkFailure) return { error: `cannot fetch the JWKS ${url}: ${res.message}` };
    if (res.status !== 200) return { error: `cannot fetch the JWKS ${url}: status ${res.status}` };
    try {
      const doc = JSON.parse(res.body.toString("utf8")) as JSONWebKeySet;
      if (!Array.isArray(doc?.keys)) return { error: `${url} is not a JWKS (no "keys" list)` };
      return doc;
    } catch {
      return { error: `${url} is not a JWKS (not JSON)` };
    }
  }
}

export interface JwtContext {
  redactor: Redactor;
  jwks: JwksCache;
  timeoutMs: number;
  /** TLS options of the step, also used to fetch a JWKS. */
  tls?: TlsMaterial;
  /** Seconds since the epoch (for tests). */
  now?: () => number;
}

/**
 * The token an `expect.jwt` names: a JSONPath into the body (`$...`), else the rendered value itself
 * (`${{ variable }}` renders to the variable's value, which may be of any type).
 */
export function jwtToken(view: ResponseView, token: unknown): { token: string } | { error: string } {
  let value = token;
  if (typeof token === "string" && token.startsWith("$")) {
    const json = view.json();
    if (!json.ok) return { error: json.error };
    let s;
    try {
      s = select(json.value, token);
    } catch (e) {
      return { error: `invalid JSONPath ${token}: ${(e as Error).message}` };
    }
    if (!s.exists) return { error: `${token} matched nothing` };
    value = s.value;
  }
  if (typeof value !== "string" || value === "") return { error: "the token is not a string" };
  return { token: value };
}

export async function checkJwt(view: ResponseView, exp: JwtExpect, ctx: JwtContext): Promise<Failure[]> {
  const failures: Failure[] = [];
  const fail = (message: string, target?: string) => failures.push({ kind: "jwt", ...(target ? { target } : {}), message: `jwt: ${message}` });

  const resolved = jwtToken(view, exp.token);
  if ("error" in resolved) return fail(resolved.error), failures;
  const { token } = resolved;
  ctx.redactor.add(token, 4);

  const jose = await import("jose"); // loaded by the first JWT check only
  let payload: JWTPayload;
  try {
    payload = jose.decodeJwt(token);
  } catch (e) {
    return fail(`not a JWT: ${(e as Error).message}`), failures;
  }

  for (const [claim, matcher] of Object.entries(exp.claims ?? {})) {
    const exists = Object.prototype.hasOwnProperty.call(payload, claim);
    for (const m of checkMatcher({ exists, value: payload[claim] }, matcher, false, (s) => ctx.redactor.redact(s))) fail(`claim ${claim}: ${m}`, claim);
  }

  const skew = exp.clockSkew ?? DEFAULT_SKEW_S;
  const now = ctx.now?.() ?? Date.now() / 1000;
  if (typeof payload.exp === "number" && payload.exp + skew <= now)
    fail(`the token expired at ${new Date(payload.exp * 1000).toISOString()} (exp), ${Math.round(now - payload.exp)} s ago`, "exp");
  if (typeof payload.nbf === "number" && payload.nbf - skew > now)
    fail(`the token is not valid before ${new Date(payload.nbf * 1000).toISOString()} (nbf)`, "nbf");

  if (exp.verify) {
    const problem = await verify(jose, token, exp, ctx, skew);
    if (problem) fail(`signature verification failed: ${problem}`, "signature");
  }
  return failures;
}

async function verify(jose: typeof import("jose"), token: string, exp: JwtExpect, ctx: JwtContext, skew: number): Promise<string | undefined> {
  const { createLocalJWKSet, decodeProtectedHeader, importSPKI, importX509, jwtVerify } = jose;
  const v = exp.verify!;
  // exp/nbf are checked above with their own messages; here only the signature (and its algorithm) counts.
  const opts = { clockTolerance: skew, currentDate: new Date((ctx.now?.() ?? Date.now() / 1000) * 1000) };
  try {
    if (v.jwksUrl !== undefined) {
      const set = await ctx.jwks.get(v.jwksUrl, ctx.timeoutMs, ctx.tls);
      if ("error" in set) return set.error;
      await jwtVerify(token, createLocalJWKSet(set), opts);
    } else if (v.secret !== undefined) {
      ctx.redactor.add(v.secret, 4);
      await jwtVerify(token, new TextEncoder().encode(v.secret), opts);
    } else if (v.publicKey !== undefined) {
      const alg = decodeProtectedHeader(token).alg ?? "RS256";
      const pem = v.publicKey.trim();
      const key = pem.startsWith("-----BEGIN CERTIFICATE") ? await importX509(pem, alg) : await importSPKI(pem, alg);
      await jwtVerify(token, key, opts);
    }
    return undefined;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_JWT_EXPIRED" || err.code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return undefined; // reported above
    return `${err.message}${err.code ? ` [${err.code}]` : ""}`;
  }
}
