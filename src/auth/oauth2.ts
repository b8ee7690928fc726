// OAuth2 (RFC 6749): token requests and the run-wide token cache. Token requests go through the run's
// HttpClient like every other request; this module only builds them and reads their responses.
import { createHash } from "node:crypto";
import { NetworkFailure, type HttpClient, type HttpRequest, type HttpResponse, type TlsMaterial } from "../http/client.js";
import type { Redactor } from "../mask.js";
import type { OAuth2, Scalar } from "../spec/types.js";

/** An `oauth2` block with its templates rendered and its tokenUrl made absolute. */
export interface OAuth2Config extends Omit<OAuth2, "params"> {
  params?: Record<string, Scalar>;
}

/** Renewal happens this long before a token expires: 30 s, or a quarter of a short lifetime. */
const MAX_SKEW_MS = 30_000;

/**
 * Register every credential of the block with the run's Redactor, also literal ones (secrets.* values
 * are registered at run start whatever their length; a literal shorter than 4 characters is not, as
 * for captures: masking `s` would hide every letter s).
 */
export function registerCredentials(o: OAuth2Config, redactor: Redactor): void {
  redactor.add(o.clientSecret, 4);
  redactor.add(o.password, 4);
  redactor.add(o.refreshToken, 4);
  // The Basic credentials as sent (base64 of the form-encoded id:secret).
  if (o.clientSecret !== undefined && (o.clientAuth ?? "basic") === "basic") redactor.add(basicHeader(o.clientId, o.clientSecret).slice(6), 4);
}

/** RFC 6749 2.3.1: client_id and client_secret are form-urlencoded before they are joined for Basic. */
export function basicHeader(user: string, password: string, formEncode = true): string {
  const enc = (s: string) => (formEncode ? encodeURIComponent(s).replace(/%20/g, "+") : s);
  return "Basic " + Buffer.from(`${enc(user)}:${enc(password)}`).toString("base64");
}

/** The token request: an application/x-www-form-urlencoded POST (RFC 6749 4.4, 4.3, 6). */
export function tokenRequest(o: OAuth2Config, timeoutMs: number, refreshToken?: string, tls?: TlsMaterial): HttpRequest {
  const grant = refreshToken !== undefined ? "refresh_token" : (o.grant ?? "client_credentials");
  const form = new URLSearchParams({ grant_type: grant });
  if (grant === "password") {
    form.set("username", o.username ?? "");
    form.set("password", o.password ?? "");
  }
  if (grant === "refresh_token") form.set("refresh_token", refreshToken ?? o.refreshToken ?? "");
  if (o.scope !== undefined) form.set("scope", o.scope);
  if (o.audience !== undefined) form.set("audience", o.audience);
  if (o.resource !== undefined) form.set("resource", o.resource);
  for (const [k, v] of Object.entries(o.params ?? {})) form.set(k, String(v));
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
  if ((o.clientAuth ?? "basic") === "basic" && o.clientSecret !== undefined) headers.authorization = basicHeader(o.clientId, o.clientSecret);
  else {
    form.set("client_id", o.clientId);
    if (o.clientSecret !== undefined) form.set("client_secret", o.clientSecret);
  }
  return { method: "POST", url: o.tokenUrl, headers, body: form.toString(), timeoutMs, followRedirects: false, ...(tls ? { tls } : {}) };
}

export interface TokenResponse {
  accessToken: string;
  tokenType: string;
  expiresInS?: number;
  refreshToken?: string;
}

/** Read a token response: the token, or a message naming the server's `error` and `error_description`. */
export function readTokenResponse(res: HttpResponse, url: string): TokenResponse | { error: string } {
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString("utf8"));
  } catch {
    body = undefined;
  }
  const b = (body !== null && typeof body === "object" ? body : {}) as Record<string, unknown>;
  if (res.status < 200 || res.status >= 300 || typeof b.access_token !== "string") {
    if (typeof b.error === "string") {
      const desc = typeof b.error_description === "string" ? `: ${b.error_description}` : "";
      return { error: `token request to ${url} failed with ${res.status} ${b.error}${desc}` };
    }
    if (res.status >= 200 && res.status < 300) return { error: `token response from ${url} has no access_token (status ${res.status})` };
    return { error: `token request to ${url} failed with status ${res.status}${res.statusText ? ` ${res.statusText}` : ""} (no OAuth2 error in the body)` };
  }
  const expires = typeof b.expires_in === "number" ? b.expires_in : typeof b.expires_in === "string" ? Number(b.expires_in) : undefined;
  return {
    accessToken: b.access_token,
    tokenType: typeof b.token_type === "string" ? b.token_type : "Bearer",
    ...(expires !== undefined && Number.isFinite(expires) ? { expiresInS: expires } : {}),
    ...(typeof b.refresh_token === "string" ? { refreshToken: b.refresh_token } : {}),
  };
}

/**
 * The cache key: (tokenUrl, client, grant, scope, audience, resource, user), plus a digest of what else
 * decides the token (the client secret, the password, the refresh token given, extra params, the TLS
 * client certificate), so that a wrong secret never gets another spec's good token, nor one client
 * certificate a token bound to another. The secrets themselves are not kept in the key.
 */
export function cacheKey(o: OAuth2Config, tls?: TlsMaterial): string {
  const digest = createHash("sha256")
    .update(JSON.stringify([o.clientSecret, o.clientAuth, o.password, o.refreshToken, o.params, tls?.cert, tls?.key, tls?.ca]))
    .digest("base64url");
  return JSON.stringify([o.tokenUrl, o.clientId, o.grant ?? "client_credentials", o.scope, o.audience, o.resource, o.username, digest]);
}

interface Entry {
  token?: TokenResponse;
  /** performance.now() after which the token is renewed. */
  renewAt: number;
  pending?: Promise<TokenResponse | { error: string }>;
}

/**
 * The run's tokens, keyed by (tokenUrl, client, grant, scope, audience, resource, user). Shared by every
 * step and spec of a run, also when specs run concurrently: askers of a token being fetched wait for
 * the same request. A token is renewed before it expires, with its refresh token when the server gave
 * one (a new grant if that fails), else with a new grant.
 */
/** Sees an exchange the cache made (no response: a network failure). */
export type Observe = (request: HttpRequest, response?: HttpResponse) => void;

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly client: HttpClient,
    private readonly redactor: Redactor,
  ) {}

  /** `observe` sees the token requests this call sends (not those of a fetch it only waits for): --verbose shows them. */
  async get(o: OAuth2Config, timeoutMs: number, signal?: AbortSignal, tls?: TlsMaterial, observe?: Observe): Promise<TokenResponse | { error: string }> {
    const key = cacheKey(o, tls);
    let entry = this.entries.get(key);
    if (entry?.pending) return entry.pending;
    if (entry?.token && performance.now() < entry.renewAt) return entry.token;
    if (!entry) this.entries.set(key, (entry = { renewAt: 0 }));
    const e = entry;
    const previous = e.token;
    e.pending = this.fetch(o, timeoutMs, signal, tls, previous?.refreshToken, observe).then((r) => {
      e.pending = undefined;
      if ("error" in r) {
        e.token = undefined;
        e.renewAt = 0;
        return r;
      }
      // A refresh response without a refresh token keeps the old one (RFC 6749 6).
      const token = previous?.refreshToken && !r.refreshToken ? { ...r, refreshToken: previous.refreshToken } : r;
      e.token = token;
      const lifeMs = token.expiresInS !== undefined ? token.expiresInS * 1000 : Infinity;
      e.renewAt = performance.now() + lifeMs - Math.min(MAX_SKEW_MS, lifeMs / 4);
      return token;
    });
    return e.pending;
  }

  /** Forget `accessToken` (the API answered 401 with it), so the next get() renews it. */
  invalidate(o: OAuth2Config, accessToken: string, tls?: TlsMaterial): void {
    const e = this.entries.get(cacheKey(o, tls));
    if (e?.token?.accessToken === accessToken) e.renewAt = 0;
  }

  private async fetch(o: OAuth2Config, timeoutMs: number, signal: AbortSignal | undefined, tls?: TlsMaterial, refreshToken?: string, observe?: Observe) {
    if (refreshToken !== undefined) {
      const r = await this.send(o, tokenRequest(o, timeoutMs, refreshToken, tls), signal, observe);
      if (!("error" in r) || o.grant === "refresh_token") return r;
      // The refresh token was refused (expired, revoked, rotated): fall back to a new grant.
    }
    return this.send(o, tokenRequest(o, timeoutMs, undefined, tls), signal, observe);
  }

  private async send(o: OAuth2Config, req: HttpRequest, signal?: AbortSignal, observe?: Observe): Promise<TokenResponse | { error: string }> {
    const res = await this.client.send(req, signal);
    if (res instanceof NetworkFailure) {
      observe?.(req);
      return { error: `token request to ${o.tokenUrl} failed: ${res.message}` };
    }
    const r = readTokenResponse(res, o.tokenUrl);
    if (!("error" in r)) {
      this.redactor.add(r.accessToken, 4);
      this.redactor.add(r.refreshToken, 4);
    }
    // Every credential field of the body (an id_token too), as for the responses of steps.
    const text = res.body.toString("utf8");
    this.redactor.addSecretFields(text, () => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    });
    observe?.(req, res); // after the tokens are registered as secrets
    return r;
  }
}
