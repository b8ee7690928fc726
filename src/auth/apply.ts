// Authentication and connection options of a step, between building its request and sending it:
// `auth` (oauth2 from the run's token cache, basic, bearer), TLS files, the spec's cookie jar and the
// redirect rule.
// Also builds the request of a token step (`oauth2:` in place of `request:`).
import type { SpecCookies } from "../http/cookies.js";
import type { HttpClient, HttpRequest, HttpResponse, TlsMaterial } from "../http/client.js";
import { TlsFiles } from "../http/tls.js";
import { JwksCache } from "../assert/jwt.js";
import type { Redactor } from "../mask.js";
import { joinUrl } from "../run/url.js";
import type { Failure } from "../run/results.js";
import type { Auth, OAuth2, Step, TlsOptions } from "../spec/types.js";
import { render, TemplateError, type Scope } from "../template/template.js";
import { basicHeader, readTokenResponse, registerCredentials, TokenCache, tokenRequest, type OAuth2Config, type Observe } from "./oauth2.js";

/**
 * What a run shares between all its specs, also specs running concurrently: the OAuth2 token cache
 * (one in-flight request per token), JWKS documents, TLS files. Lives in the run's RunContext.
 */
export class RunAuth {
  readonly tokens: TokenCache;
  readonly jwks: JwksCache;
  readonly tls: TlsFiles;
  constructor(client: HttpClient, redactor: Redactor, warn: (message: string) => void) {
    this.tokens = new TokenCache(client, redactor);
    this.jwks = new JwksCache(client);
    this.tls = new TlsFiles(warn);
  }
}

export interface StepAuthContext {
  auth: RunAuth;
  redactor: Redactor;
  signal?: AbortSignal;
  /** Sees the token requests sent for this step (--verbose). */
  observe?: Observe;
}

/** Render an oauth2 block and resolve its tokenUrl against the spec's baseUrl. Registers its credentials. */
export function resolveOAuth2(block: OAuth2, scope: Scope, baseUrl: string | undefined, redactor: Redactor): OAuth2Config {
  const o = render(block, scope) as OAuth2Config;
  const resolved = { ...o, tokenUrl: joinUrl(baseUrl, o.tokenUrl) };
  registerCredentials(resolved, redactor);
  return resolved;
}

/** The request of a token step: always sent (it tests the token endpoint), never taken from the cache. */
export function tokenStepRequest(step: Step, scope: Scope, baseUrl: string | undefined, redactor: Redactor, timeoutMs: number): HttpRequest {
  return tokenRequest(resolveOAuth2(step.oauth2!, scope, baseUrl, redactor), timeoutMs);
}

/**
 * A token step without an explicit `expect.status`: an OAuth2 error response replaces the bare status
 * failure with one naming the server's `error` and `error_description`.
 */
export function explainTokenError(failures: Failure[], res: HttpResponse, url: string): void {
  const i = failures.findIndex((f) => f.kind === "status");
  if (i < 0) return;
  const r = readTokenResponse(res, url);
  if ("error" in r) failures.splice(i, 1, { kind: "auth", message: r.error });
}

/** The `auth` that applies to a step, and whether it is the suite config's. */
export interface StepAuth {
  block: Auth;
  fromConfig: boolean;
}

/** TLS options and the file whose folder their paths are relative to. */
export interface TlsSource {
  opts: TlsOptions;
  from: { absPath: string; file: string };
}

/** Called when the response is 401: renew the token once and update the request. False: do not retry. */
export type Retry = () => Promise<boolean>;

/**
 * Apply TLS, cookies, the redirect rule and `auth` to a built request (in place); the runner chooses
 * which `tls` and `auth` apply (the step's, else its file's, else the suite config's). Returns a
 * failure (unreadable TLS file, token request refused) or, for oauth2 with retryOn401, how to retry.
 */
export async function prepareRequest(
  request: HttpRequest,
  step: Step,
  tls: TlsSource | undefined,
  auth: StepAuth | undefined,
  scope: Scope,
  baseUrl: string | undefined,
  cookies: SpecCookies | undefined,
  ctx: StepAuthContext,
): Promise<Failure | { retry?: Retry }> {
  if (tls) {
    try {
      const opts = render(tls.opts, scope) as TlsOptions;
      ctx.redactor.add(opts.passphrase, 4);
      request.tls = ctx.auth.tls.load(opts, tls.from.absPath, tls.from.file);
    } catch (e) {
      return { kind: "tls", message: (e as Error).message };
    }
  }
  // A request's own Cookie and Authorization headers win over the jar and `auth`; those win over the
  // same headers given as `defaults` (got would overwrite an explicit Cookie header with the jar's).
  const own = (name: string) => Object.keys(step.request?.headers ?? {}).some((k) => k.toLowerCase() === name);
  if (cookies && step.request?.cookies !== false && !own("cookie")) {
    const jar = await cookies.forRequest(request.followRedirects);
    if (jar) request.cookieJar = jar;
  }
  if (step.request?.trustRedirects) request.trustRedirects = true;

  if (!auth || own("authorization")) return {};
  try {
    return await applyAuth(auth.block, request, scope, baseUrl, ctx);
  } catch (e) {
    // The config's auth naming a variable not defined yet (a setup capture, in the setup's own requests)
    // is left out, like a default header; validation has checked that the suite defines it.
    if (auth.fromConfig && e instanceof TemplateError && e.ref.kind === "var") return {};
    return { kind: "template", message: `auth: ${(e as Error).message}` }; // rendering it, or a relative tokenUrl without baseUrl
  }
}

async function applyAuth(auth: Auth, request: HttpRequest, scope: Scope, baseUrl: string | undefined, ctx: StepAuthContext): Promise<Failure | { retry?: Retry }> {
  if (auth.bearer !== undefined) {
    const token = String(render(auth.bearer, scope));
    request.headers.authorization = `Bearer ${token}`;
    ctx.redactor.addHeader("authorization", request.headers.authorization);
    return {};
  }
  if (auth.basic) {
    const b = render(auth.basic, scope) as { username: string; password: string };
    request.headers.authorization = basicHeader(String(b.username), String(b.password), false);
    ctx.redactor.add(b.password);
    ctx.redactor.addHeader("authorization", request.headers.authorization);
    return {};
  }
  const o = resolveOAuth2(auth.oauth2!, scope, baseUrl, ctx.redactor);
  const apply = async (tls: TlsMaterial | undefined): Promise<Failure | undefined> => {
    const t = await ctx.auth.tokens.get(o, request.timeoutMs, ctx.signal, tls, ctx.observe);
    if ("error" in t) return { kind: "auth", message: t.error };
    request.headers.authorization = `${/^bearer$/i.test(t.tokenType) ? "Bearer" : t.tokenType} ${t.accessToken}`;
    return undefined;
  };
  const failure = await apply(request.tls);
  if (failure) return failure;
  if (!o.retryOn401) return {};
  let retried = false;
  return {
    retry: async () => {
      if (retried) return false;
      retried = true;
      ctx.auth.tokens.invalidate(o, request.headers.authorization!.replace(/^\S+\s+/, ""), request.tls);
      return (await apply(request.tls)) === undefined;
    },
  };
}
