// Send: the HTTP boundary. Everything that touches the network is here; the rest of authspec sees
// HttpRequest / HttpResponse values and NetworkFailure values, never got's objects or exceptions.
// One got instance and one keep-alive agent per client (per run), so a suite reuses connections.
import http from "node:http";
import https from "node:https";
import type { Got, RequestError } from "got";
import type { GotCookieJar } from "./cookies.js";
import { VERSION } from "../version.js";
import { ProxyAgents } from "./proxy.js";
import { ACCEPT_ENCODING, BodyProblem, decodeBody, DEFAULT_MAX_RESPONSE_SIZE, tooLarge } from "./body.js";

const USER_AGENT = `authspec/${VERSION}`;

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export interface HttpRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  followRedirects: boolean;
  /** Cookies: sent from and stored into this jar (also across redirects), when given. */
  cookieJar?: GotCookieJar;
  /** Keep credential headers on a redirect to another origin (by default got drops them). */
  trustRedirects?: boolean;
  /** TLS options as loaded by src/http/tls.ts (PEM contents, not paths). */
  tls?: TlsMaterial;
  /** Largest (decompressed) response body accepted, in bytes (default 10 MB); larger ones fail the step. */
  maxResponseSize?: number;
}

/** The response's Set-Cookie lines (got gives one string, a list, or nothing). */
export function setCookieLines(res: Pick<HttpResponse, "headers">): string[] {
  const raw = res.headers["set-cookie"];
  return Array.isArray(raw) ? raw : raw ? [raw] : [];
}

export interface TlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
  passphrase?: string;
  /** false: do not verify the server certificate. */
  rejectUnauthorized?: boolean;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers (set-cookie) as arrays. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  durationMs: number;
  /** The final URL (after redirects). */
  url: string;
  redirects: string[];
  httpVersion: string;
}

/** A request that got no HTTP response: refused, reset, timed out, TLS failure, bad URL. */
export class NetworkFailure {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly durationMs: number,
  ) {}
}

export interface ClientOptions {
  /** Maximum sockets per host (default 64). */
  maxSockets?: number;
  maxRedirects?: number;
}

export class HttpClient {
  private got: Got | undefined;
  private readonly agents: { http: http.Agent; https: https.Agent };
  private readonly proxies: ProxyAgents;
  private readonly maxRedirects: number;

  constructor(opts: ClientOptions = {}) {
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 64, scheduling: "lifo" as const };
    this.agents = { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) };
    this.proxies = new ProxyAgents(agentOpts);
    this.maxRedirects = opts.maxRedirects ?? 10;
  }

  private async instance(): Promise<Got> {
    if (!this.got) {
      const { got } = await import("got"); // ~85 ms: loaded only when a request is sent
      // got's defaults already verify TLS certificates (rejectUnauthorized) and decompress bodies; options
      // set here are merged into every request, so only what differs from the defaults is given.
      this.got = got.extend({
        agent: this.agents,
        throwHttpErrors: false,
        retry: { limit: 0 },
        // Bodies are decompressed in body.ts, under maxResponseSize (got would inflate without a bound).
        decompress: false,
        ...(this.maxRedirects !== 10 ? { maxRedirects: this.maxRedirects } : {}),
      });
    }
    return this.got;
  }

  async send(req: HttpRequest, signal?: AbortSignal): Promise<HttpResponse | NetworkFailure> {
    const started = performance.now();
    // The timeout is one timer that cancels the request: got's own `timeout` option hooks every socket
    // phase of every request, a measurable part of the per-request cost, for a bound we need only whole.
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const limit = req.maxResponseSize ?? DEFAULT_MAX_RESPONSE_SIZE;
    let overLimit: BodyProblem | undefined;
    try {
      const got = this.got ?? (await this.instance());
      const headers: Record<string, string> = "user-agent" in req.headers ? { ...req.headers } : { ...req.headers, "user-agent": USER_AGENT };
      headers["accept-encoding"] ??= ACCEPT_ENCODING;
      const pending = got(req.url, {
        method: req.method,
        headers,
        body: req.body,
        followRedirect: req.followRedirects,
        responseType: "buffer",
        signal,
        ...(req.cookieJar ? { cookieJar: req.cookieJar } : {}),
        ...(req.tls ? { https: tlsOptions(req.tls) } : {}),
        ...(req.followRedirects ? { hooks: { beforeRedirect: [redirectRule(req)] } } : {}),
        ...(this.proxies.active ? await this.proxies.agentFor(req.url) : {}),
      });
      // The bound, while the body arrives: a Content-Length above it fails at once, and the body is
      // never buffered past it (got emits progress for the final response only, not for redirects).
      pending.on("downloadProgress", (p) => {
        if (overLimit) return;
        if (p.total !== undefined && p.total > limit && req.method !== "HEAD") overLimit = tooLarge(limit, `Content-Length is ${p.total} bytes`);
        else if (p.transferred > limit) overLimit = tooLarge(limit, `more than ${limit} bytes received`);
        if (overLimit) pending.cancel();
      });
      timer = setTimeout(() => {
        timedOut = true;
        pending.cancel();
      }, req.timeoutMs);
      const res = await pending;
      const body = decodeBody(res.body, headerText(res.headers["content-encoding"]), limit);
      if (body instanceof BodyProblem) return new NetworkFailure(body.code, body.message, performance.now() - started);
      return {
        status: res.statusCode,
        statusText: res.statusMessage ?? "",
        headers: res.headers,
        body,
        durationMs: res.timings.phases.total ?? performance.now() - started,
        url: res.url,
        redirects: res.redirectUrls.map(String),
        httpVersion: res.httpVersion,
      };
    } catch (e) {
      if (overLimit) return new NetworkFailure(overLimit.code, overLimit.message, performance.now() - started);
      if (timedOut) return new NetworkFailure("ETIMEDOUT", `timed out after ${req.timeoutMs} ms`, performance.now() - started);
      return describeFailure(e, req, performance.now() - started);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
    this.proxies.destroy();
  }
}

function tlsOptions(t: TlsMaterial) {
  return {
    ...(t.ca !== undefined ? { certificateAuthority: t.ca } : {}),
    ...(t.cert !== undefined ? { certificate: t.cert } : {}),
    ...(t.key !== undefined ? { key: t.key } : {}),
    ...(t.passphrase !== undefined ? { passphrase: t.passphrase } : {}),
    ...(t.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  };
}

/**
 * Credentials on redirects. Default (trustRedirects: false): a hop to another origin (scheme, host or
 * port) carries no Authorization and no Cookie header, and the cookie jar sends nothing for it or any
 * later hop (cookies are scoped by host, not port, so the jar alone would send them to another port).
 * trustRedirects: true puts the request's own Authorization and Cookie back on every hop.
 */
function redirectRule(req: HttpRequest) {
  const origin = new URL(req.url).origin;
  return (options: { url?: URL | string; headers: Record<string, string | string[] | undefined>; cookieJar?: unknown }) => {
    if (req.trustRedirects) {
      for (const name of ["authorization", "cookie"]) if (req.headers[name] !== undefined) options.headers[name] = req.headers[name];
      return;
    }
    if (options.url !== undefined && new URL(String(options.url)).origin !== origin) {
      delete options.headers.authorization;
      delete options.headers.cookie;
      options.cookieJar = undefined;
    }
  };
}
const headerText = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(",") : v);

const CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by the server",
  EPIPE: "connection closed by the server while sending",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed (temporary)",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "timed out",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host name",
  DEPTH_ZERO_SELF_SIGNED_CERT: "TLS certificate is self-signed and not trusted",
  SELF_SIGNED_CERT_IN_CHAIN: "TLS certificate chain contains an untrusted self-signed certificate",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate could not be verified (unknown issuer)",
  CERT_HAS_EXPIRED: "TLS certificate has expired",
  ERR_TOO_MANY_REDIRECTS: "too many redirects",
  ERR_OSSL_BAD_DECRYPT: "could not decrypt the TLS client key (wrong passphrase?)",
  ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED: "the server requires a TLS client certificate",
  ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE: "the server rejected the TLS client certificate",
  ERR_SSL_TLSV1_ALERT_UNKNOWN_CA: "the server does not trust the TLS client certificate's issuer",
  ERR_PROXY_CONNECT: "the proxy refused the connection",
  ERR_INVALID_URL: "invalid URL",
  ERR_ABORTED: "aborted: the run was interrupted",
  ERR_BODY_PARSE_FAILURE: "could not read the response body",
  HPE_HEADER_OVERFLOW: "response headers too large",
  HPE_INVALID_CONSTANT: "invalid HTTP response",
};

function describeFailure(e: unknown, req: HttpRequest, durationMs: number): NetworkFailure {
  const err = e as RequestError & { code?: string; event?: string; cause?: { code?: string } };
  let code = err.code ?? err.cause?.code ?? "ERR_NETWORK";
  if (err.name === "TimeoutError") {
    return new NetworkFailure("ETIMEDOUT", `timed out after ${req.timeoutMs} ms${err.event && err.event !== "request" ? ` (${err.event})` : ""}`, durationMs);
  }
  if (err.name === "AbortError" || code === "ABORT_ERR") code = "ERR_ABORTED";
  if (err.name === "MaxRedirectsError") code = "ERR_TOO_MANY_REDIRECTS";
  // hpagent reports a proxy that refuses the CONNECT tunnel as a plain "Bad response: 407" error.
  const proxyStatus = /^Bad response: (\d{3})$/.exec(err.message ?? "")?.[1];
  if (proxyStatus) code = "ERR_PROXY_CONNECT";
  const what = proxyStatus ? `${CODES[code]}: CONNECT answered ${proxyStatus}` : (CODES[code] ?? (err.message || "request failed").split("\n")[0]!);
  let host = "";
  try {
    host = ` (${new URL(req.url).host})`;
  } catch {
    /* the URL itself is the problem */
  }
  return new NetworkFailure(code, `${what}${host} [${code}]`, durationMs);
}
