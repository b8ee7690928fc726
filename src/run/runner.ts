// Run: execute the steps of a spec in order: render templates -> send -> assert / capture.
import { SECRET_HEADERS, type Redactor } from "../mask.js";
import { NetworkFailure, setCookieLines, type HttpClient, type HttpRequest, type HttpResponse, type Method } from "../http/client.js";
import { checkExpectations, readCapture, ResponseView } from "../assert/check.js";
import { render, renderText, type Ref, type Scope } from "../template/template.js";
import { envValue } from "../template/env.js";
import { isRequestStep, type Auth, type Defaults, type Expect, type RequestSpec, type RequestStep, type Scalar, type Spec, type Step, type TlsOptions } from "../spec/types.js";
import type { LoadedSpec } from "../validate/validate.js";
import type { Failure, SpecResult, StepResult } from "./results.js";
import { joinUrl } from "./url.js";
import { defaultHeaders } from "./defaults.js";
import { withRetry } from "./retry.js";
import { explainTokenError, prepareRequest, RunAuth, tokenStepRequest, type TlsSource } from "../auth/apply.js";
import { SpecCookies } from "../http/cookies.js";
import { checkCookies } from "../assert/cookies.js";
import { checkJwt } from "../assert/jwt.js";
import { registerSecretValues } from "../assert/secret-values.js";
import { cutAt } from "../text.js";

export const DEFAULT_TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 1000;

export interface Exchange {
  spec: LoadedSpec;
  step: StepResult;
  request: HttpRequest;
  response?: HttpResponse;
}

export interface RunContext {
  client: HttpClient;
  redactor: Redactor;
  /** Values for env.* and secrets.* (process.env merged with --env-file). */
  env: Readonly<Record<string, string | undefined>>;
  /** --var values: they override the spec's variables. */
  vars: Readonly<Record<string, unknown>>;
  baseUrl?: string;
  timeoutMs?: number;
  /** --max-response-size: default body bound of every request, in bytes (a spec or request may set its own). */
  maxResponseSize?: number;
  signal?: AbortSignal;
  /** Called after each exchange (for --verbose), once captures are registered as secrets. */
  onExchange?: (x: Exchange) => void;
  onStep?: (spec: LoadedSpec, step: StepResult) => void;
  /** Suite-wide values from the config (src/suite): the one way they reach runSpec. */
  suite?: SuiteValues;
  /** Run-wide auth state (token cache, JWKS, TLS files), shared by every spec of the run, also concurrent ones. */
  auth?: RunAuth;
  /** Warnings (such as tls.insecure); default: standard error. */
  warn?: (message: string) => void;
}

/** The run's shared auth state: run() creates it; a caller of runSpec() that gives none gets one on first use (share the ctx object to share it). */
export function runAuth(ctx: RunContext): RunAuth {
  return (ctx.auth ??= new RunAuth(ctx.client, ctx.redactor, ctx.warn ?? ((m) => process.stderr.write(ctx.redactor.redact(m) + "\n"))));
}

export interface SuiteValues {
  /** baseUrl of the config (or of the --env environment), for specs that set none. */
  baseUrl?: string;
  /** Config variables (with the environment's) and the captures of the setup specs: below a spec's own variables. */
  vars: Readonly<Record<string, unknown>>;
  /** The config's defaults: below a spec's defaults and a request's own values. */
  defaults?: Defaults;
  /** The config's `auth`: for specs that set none. */
  auth?: Auth;
  /** The config file (absolute and as shown): its `defaults.tls` paths are relative to it. */
  configFile?: { absPath: string; file: string };
}

/** What the steps of one file run with: its spec, scope, base URL and defaults (an include runs in a frame of its own). */
interface Frame {
  /** The spec file being run (results and console buffers belong to it). */
  top: LoadedSpec;
  /** The file whose steps these are: top, or an included file. */
  loaded: LoadedSpec;
  scope: SpecScope;
  baseUrl: string | undefined;
  defaults: Defaults | undefined;
  /** The file that named `defaults` (its tls paths are relative to it). */
  defaultsFrom: LoadedSpec;
  /** The file's `auth` (an included file without one inherits the including file's), for steps that set none. */
  auth: Auth | undefined;
  /** The top spec's cookie jar, shared by its includes; undefined with `cookies: false`. */
  jar: SpecCookies | undefined;
  /** "include name › " for the steps of an included file. */
  prefix: string;
}

/** Variables of one spec run: --var, then the spec's variables, then captures (later wins). */
class SpecScope implements Scope {
  readonly vars = new Map<string, unknown>();
  /** Names captured in this scope (what a setup spec exports, what an include hands back). */
  readonly captured = new Set<string>();
  constructor(private readonly env: RunContext["env"]) {}
  lookup(ref: Ref): { value: unknown } | undefined {
    if (ref.kind === "var") return this.vars.has(ref.name) ? { value: this.vars.get(ref.name) } : undefined;
    const v = envValue(this.env, ref.name); // never Object.prototype's members
    return v === undefined ? undefined : { value: v };
  }
}

const skippedStep = (name: string, line: number, file?: string): StepResult => ({
  name, line, ...(file ? { file } : {}), status: "skipped", durationMs: 0, failures: [], captures: [],
});

/** The step results of a file's steps when none of them runs (an include expands to the included steps). */
function skippedSteps(loaded: LoadedSpec, prefix = "", file?: string): StepResult[] {
  return loaded.spec.steps.flatMap((s, i) => {
    const flow = s.include !== undefined ? loaded.includes?.get(i) : undefined;
    if (flow) return skippedSteps(flow, `${prefix}${s.name ?? flow.spec.name} › `, flow.file);
    return [skippedStep(prefix + (s.name ?? ""), loaded.stepLines[i] ?? 0, file)];
  });
}

export function skippedSpec(loaded: LoadedSpec): SpecResult {
  return { file: loaded.file, name: loaded.spec.name, status: "skipped", durationMs: 0, steps: skippedSteps(loaded) };
}

/**
 * Run one spec file. `exports` (for setup specs) receives the values the spec captured, which the
 * suite then hands to every other spec through RunContext.suite.vars.
 */
export async function runSpec(loaded: LoadedSpec, ctx: RunContext, exports?: Map<string, unknown>): Promise<SpecResult> {
  const started = performance.now();
  const { spec } = loaded;
  const result: SpecResult = { file: loaded.file, name: spec.name, status: "passed", durationMs: 0, steps: [] };
  if (spec.skip || ctx.signal?.aborted) return skippedSpec(loaded);
  const { scope, baseUrl: own, failure: setupFailure } = openScope(ctx, spec);
  const baseUrl = ctx.baseUrl ?? own ?? ctx.suite?.baseUrl;
  const jar = spec.cookies === false ? undefined : new SpecCookies(ctx.redactor);
  const frame: Frame = { top: loaded, loaded, scope, baseUrl, defaults: spec.defaults, defaultsFrom: loaded, auth: spec.auth ?? ctx.suite?.auth, jar, prefix: "" };
  const failed = await runSteps(frame, ctx, result.steps, setupFailure);
  if (exports) for (const name of scope.captured) exports.set(name, scope.vars.get(name));
  result.status = failed ? "failed" : result.steps.length > 0 && result.steps.every((s) => s.status === "skipped") ? "skipped" : "passed";
  result.durationMs = performance.now() - started;
  return result;
}

/**
 * The scope a file's steps run in: the suite's values, then --var, then the file's own variables (in
 * order; not those --var or `passed` set), then `passed` (an include's `variables`, rendered in the
 * including scope); and the file's own baseUrl unless --base-url is given. A template that cannot be
 * rendered becomes the failure of every step of the file.
 */
function openScope(ctx: RunContext, spec: Spec, passed?: () => Map<string, unknown>): { scope: SpecScope; baseUrl?: string; failure?: Failure } {
  const scope = new SpecScope(ctx.env);
  try {
    const given = passed?.() ?? new Map<string, unknown>();
    for (const [k, v] of Object.entries(ctx.suite?.vars ?? {})) scope.vars.set(k, v);
    for (const [k, v] of Object.entries(ctx.vars)) scope.vars.set(k, v);
    // Own keys: `constructor` is a variable name like any other.
    for (const [k, v] of Object.entries(spec.variables ?? {})) if (!Object.hasOwn(ctx.vars, k) && !given.has(k)) scope.vars.set(k, render(v, scope));
    for (const [k, v] of given) scope.vars.set(k, v);
    const baseUrl = ctx.baseUrl === undefined && spec.baseUrl !== undefined ? renderText(spec.baseUrl, scope) : undefined;
    return { scope, ...(baseUrl !== undefined ? { baseUrl } : {}) };
  } catch (e) {
    return { scope, failure: { kind: "template", message: (e as Error).message } };
  }
}

/** Run a file's steps in order into `out`; true when one failed (the rest are then skipped). */
async function runSteps(frame: Frame, ctx: RunContext, out: StepResult[], setupFailure?: Failure): Promise<boolean> {
  const { loaded, prefix } = frame;
  const file = loaded === frame.top ? undefined : loaded.file;
  const steps = loaded.spec.steps;
  const onlyMode = steps.some((s) => s.only === true);
  let failed = false;
  const emit = (r: StepResult) => {
    if (r.status === "failed") failed = true;
    out.push(r);
    ctx.onStep?.(frame.top, r);
  };
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const line = loaded.stepLines[i] ?? 0;
    const flow = step.include !== undefined ? loaded.includes?.get(i) : undefined;
    const name = prefix + (step.name ?? flow?.spec.name ?? step.include ?? "");
    if (failed || ctx.signal?.aborted || step.skip || (onlyMode && !step.only)) {
      if (flow) skippedSteps(flow, `${name} › `, flow.file).forEach(emit);
      else emit(skippedStep(name, line, file));
    } else if (setupFailure) {
      emit({ name, line, ...(file ? { file } : {}), status: "failed", durationMs: 0, failures: [setupFailure], captures: [] });
    } else if (!isRequestStep(step)) {
      if (!flow) emit({ name, line, ...(file ? { file } : {}), status: "failed", durationMs: 0, failures: [{ kind: "template", message: `include ${step.include} was not loaded` }], captures: [] });
      else if (await runInclude(frame, step, flow, name, ctx, out)) failed = true;
    } else emit(await withRetry(step.retry, ctx.signal, () => runStepSafely(frame, step, name, line, file, ctx)));
  }
  return failed;
}

/**
 * An include step: the included file's steps run here, in a scope of their own (suite values, --var, the
 * included file's variables overridden by the include's `variables`); their captures then join the
 * including scope.
 */
async function runInclude(frame: Frame, step: Step, flow: LoadedSpec, name: string, ctx: RunContext, out: StepResult[]): Promise<boolean> {
  const passed = () => new Map(Object.entries(step.variables ?? {}).map(([k, v]): [string, unknown] => [k, render(v, frame.scope)]));
  const { scope, baseUrl: own, failure } = openScope(ctx, flow.spec, passed);
  const child: Frame = {
    ...frame, loaded: flow, scope, baseUrl: own ?? frame.baseUrl, prefix: `${name} › `,
    ...(flow.spec.defaults ? { defaults: flow.spec.defaults, defaultsFrom: flow } : {}),
    auth: flow.spec.auth ?? frame.auth,
  };
  const failed = await runSteps(child, ctx, out, failure);
  for (const k of scope.captured) {
    frame.scope.vars.set(k, scope.vars.get(k));
    frame.scope.captured.add(k);
  }
  return failed;
}

function buildRequest(step: RequestStep, frame: Frame, ctx: RunContext): HttpRequest {
  const { scope, baseUrl, defaults } = frame;
  if (step.oauth2) {
    const l = limits(undefined, defaults, ctx);
    return { ...tokenStepRequest(step, scope, baseUrl, ctx.redactor, l.timeoutMs), ...l };
  }
  const rq = step.request!;
  const headers: Record<string, string> = {};
  defaultHeaders(headers, ctx.suite?.defaults, scope);
  defaultHeaders(headers, defaults, scope);
  for (const [k, v] of Object.entries(rq.headers ?? {})) headers[k.toLowerCase()] = renderText(String(v), scope);
  let body: string | undefined;
  if (rq.json !== undefined) {
    body = JSON.stringify(render(rq.json, scope));
    headers["content-type"] ??= "application/json";
  } else if (rq.form !== undefined) {
    const form = render(rq.form, scope) as Record<string, Scalar>;
    body = new URLSearchParams(Object.entries(form).map(([k, v]): [string, string] => [k, String(v)])).toString();
    headers["content-type"] ??= "application/x-www-form-urlencoded";
  } else if (rq.body !== undefined) {
    body = renderText(rq.body, scope);
  }
  const query = rq.query ? (render(rq.query, scope) as Record<string, Scalar>) : undefined;
  const url = joinUrl(baseUrl, renderText(rq.url, scope), query);
  for (const [k, v] of Object.entries(headers)) if (SECRET_HEADERS.has(k)) ctx.redactor.addHeader(k, v);
  return {
    method: (rq.method ?? "GET") as Method,
    url,
    headers,
    body,
    ...limits(rq, defaults, ctx),
    followRedirects: rq.followRedirects ?? defaults?.followRedirects ?? ctx.suite?.defaults?.followRedirects ?? false,
  };
}

/**
 * Timeout and body limit of a request (or a token step): the request's own value, then the spec's
 * defaults, the run's (--timeout, --max-response-size), the config's defaults.
 */
function limits(rq: RequestSpec | undefined, defaults: Defaults | undefined, ctx: RunContext): { timeoutMs: number; maxResponseSize?: number } {
  const maxResponseSize = rq?.maxResponseSize ?? defaults?.maxResponseSize ?? ctx.maxResponseSize ?? ctx.suite?.defaults?.maxResponseSize;
  return {
    timeoutMs: rq?.timeout ?? defaults?.timeout ?? ctx.timeoutMs ?? ctx.suite?.defaults?.timeout ?? DEFAULT_TIMEOUT_MS,
    ...(maxResponseSize !== undefined ? { maxResponseSize } : {}),
  };
}

/** A request's TLS options: its own, else its file's defaults (or an including file's), else the config's; with the file they are relative to. */
function tlsSource(step: RequestStep, frame: Frame, ctx: RunContext): TlsSource | undefined {
  if (step.request?.tls) return { opts: step.request.tls, from: frame.loaded };
  if (frame.defaults?.tls) return { opts: frame.defaults.tls, from: frame.defaultsFrom };
  const { suite } = ctx;
  if (suite?.defaults?.tls && suite.configFile) return { opts: suite.defaults.tls, from: suite.configFile };
  return undefined;
}

/**
 * runStep, and an exception it throws (an authspec bug) fails only that step: the other steps and specs
 * run, the reports are written, and parallel specs are not left running under a closed client.
 */
async function runStepSafely(frame: Frame, step: RequestStep, name: string, line: number, file: string | undefined, ctx: RunContext): Promise<StepResult> {
  try {
    return await runStep(frame, step, name, line, file, ctx);
  } catch (e) {
    const message = `internal error: ${(e as Error)?.message ?? String(e)} (an authspec bug: please report it)`;
    return { name, line, ...(file ? { file } : {}), status: "failed", durationMs: 0, failures: [{ kind: "internal", message }], captures: [] };
  }
}

async function runStep(frame: Frame, step: RequestStep, name: string, line: number, file: string | undefined, ctx: RunContext): Promise<StepResult> {
  const started = performance.now();
  const { scope } = frame;
  const r: StepResult = { name, line, ...(file ? { file } : {}), status: "passed", durationMs: 0, failures: [], captures: [] };
  const done = (response?: HttpResponse, request?: HttpRequest) => {
    r.status = r.failures.length ? "failed" : "passed";
    r.durationMs = response?.durationMs ?? performance.now() - started;
    if (request && (response === undefined || response !== shown)) ctx.onExchange?.({ spec: frame.top, step: r, request, response });
    return r;
  };
  /** A response already passed to onExchange (the 401 before a retry). */
  let shown: HttpResponse | undefined;

  let request: HttpRequest;
  let expect: Expect | undefined;
  try {
    request = buildRequest(step, frame, ctx);
    if (step.expect) {
      // expect.schema is taken literally (never rendered): it is a schema, compiled once.
      const { schema, ...rest } = step.expect;
      expect = schema === undefined ? (render(step.expect, scope) as Expect) : { ...(render(rest, scope) as Expect), schema };
    }
  } catch (e) {
    r.failures.push({ kind: "template", message: (e as Error).message });
    return done();
  }
  r.request = { method: request.method, url: request.url };

  const auth = runAuth(ctx);
  const authBlock = step.oauth2 ? undefined : (step.auth ?? frame.auth);
  const stepAuth = authBlock && { block: authBlock, fromConfig: authBlock === ctx.suite?.auth };
  const prepared = await prepareRequest(request, step, tlsSource(step, frame, ctx), stepAuth, scope, frame.baseUrl, frame.jar, {
    auth, redactor: ctx.redactor, signal: ctx.signal,
    ...(ctx.onExchange ? { observe: (rq: HttpRequest, rs?: HttpResponse) => ctx.onExchange!({ spec: frame.top, step: r, request: rq, response: rs }) } : {}),
  });
  if ("kind" in prepared) {
    r.failures.push(prepared);
    return done(undefined, request);
  }
  let res = await ctx.client.send(request, ctx.signal);
  if (!(res instanceof NetworkFailure) && res.status === 401 && prepared.retry) {
    ctx.onExchange?.({ spec: frame.top, step: r, request: { ...request, headers: { ...request.headers } }, response: res }); // --verbose shows the 401 too
    shown = res;
    if (await prepared.retry()) res = await ctx.client.send(request, ctx.signal);
  }
  if (frame.jar && !(res instanceof NetworkFailure) && step.request?.cookies !== false) await frame.jar.afterResponse(res, request.cookieJar !== undefined);
  if (res instanceof NetworkFailure) {
    r.failures.push({ kind: "network", message: res.message });
    return done(undefined, request);
  }
  for (const c of setCookieLines(res)) ctx.redactor.addHeader("set-cookie", c);

  const view = new ResponseView(res);
  ctx.redactor.addSecretFields(view.text, () => {
    const j = view.json();
    return j.ok ? j.value : undefined;
  });
  const secretCaptures = registerSecretValues(view, step.capture, expect?.jwt, ctx.redactor);
  const mask = (text: string) => ctx.redactor.redact(text);
  r.failures.push(...checkExpectations(view, expect, mask));
  if (step.oauth2 && expect?.status === undefined) explainTokenError(r.failures, res, request.url);
  if (expect?.cookies) r.failures.push(...(await checkCookies(view, expect.cookies, mask)));
  if (expect?.jwt) r.failures.push(...(await checkJwt(view, expect.jwt, { redactor: ctx.redactor, jwks: auth.jwks, timeoutMs: request.timeoutMs, tls: request.tls })));
  for (const [name, capture] of Object.entries(step.capture ?? {})) {
    const got = secretCaptures.get(name) ?? readCapture(view, name, capture, mask);
    if ("kind" in got) {
      r.failures.push(got);
      continue;
    }
    scope.vars.set(name, got.value);
    scope.captured.add(name);
    r.captures.push(name); // a secret capture was registered with the Redactor by registerSecretValues
  }
  const contentType = view.header("content-type");
  r.response = { status: res.status, statusText: res.statusText, ...(contentType ? { contentType } : {}) };
  // Masked before it is cut: a secret straddling the cut would otherwise keep its first half in the clear.
  if (r.failures.length) r.response.bodyExcerpt = excerpt(ctx.redactor.redact(view.text));
  return done(res, request);
}

function excerpt(text: string): string {
  return text.length > EXCERPT_CHARS ? cutAt(text, EXCERPT_CHARS) + `… (${text.length} characters)` : text;
}
