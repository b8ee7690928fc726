// Run: execute the steps of a spec in order: render templates -> send -> assert / capture.
import { SECRET_HEADERS, type Redactor } from "../mask.js";
import { NetworkFailure, type HttpClient, type HttpRequest, type HttpResponse, type Method } from "../http/client.js";
import { checkExpectations, readCapture, ResponseView } from "../assert/check.js";
import { render, renderText, type Ref, type Scope } from "../template/template.js";
import type { Expect, Scalar, Step } from "../spec/types.js";
import type { LoadedSpec } from "../validate/validate.js";
import type { Failure, SpecResult, StepResult } from "./results.js";
import { joinUrl } from "./url.js";
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
}

/** Variables of one spec run: --var, then the spec's variables, then captures (later wins). */
class SpecScope implements Scope {
  readonly vars = new Map<string, unknown>();
  constructor(private readonly env: RunContext["env"]) {}
  lookup(ref: Ref): { value: unknown } | undefined {
    if (ref.kind === "var") return this.vars.has(ref.name) ? { value: this.vars.get(ref.name) } : undefined;
    const v = Object.hasOwn(this.env, ref.name) ? this.env[ref.name] : undefined; // never Object.prototype's members
    return typeof v === "string" ? { value: v } : undefined;
  }
}

const skippedStep = (name: string, line: number): StepResult => ({ name, line, status: "skipped", durationMs: 0, failures: [], captures: [] });

export function skippedSpec(loaded: LoadedSpec): SpecResult {
  const steps = loaded.spec.steps.map((s, i) => skippedStep(s.name, loaded.stepLines[i] ?? 0));
  return { file: loaded.file, name: loaded.spec.name, status: "skipped", durationMs: 0, steps };
}

export async function runSpec(loaded: LoadedSpec, ctx: RunContext): Promise<SpecResult> {
  const started = performance.now();
  const { spec } = loaded;
  const scope = new SpecScope(ctx.env);
  const result: SpecResult = { file: loaded.file, name: spec.name, status: "passed", durationMs: 0, steps: [] };
  let setupFailure: Failure | undefined;
  let baseUrl = ctx.baseUrl;
  try {
    for (const [k, v] of Object.entries(ctx.vars)) scope.vars.set(k, v);
    for (const [k, v] of Object.entries(spec.variables ?? {})) if (!Object.hasOwn(ctx.vars, k)) scope.vars.set(k, render(v, scope)); // own keys: `constructor` is a name like any other
    if (baseUrl === undefined && spec.baseUrl !== undefined) baseUrl = renderText(spec.baseUrl, scope);
  } catch (e) {
    setupFailure = { kind: "template", message: (e as Error).message };
  }
  let failed = false;
  for (let i = 0; i < spec.steps.length; i++) {
    const step = spec.steps[i]!;
    const line = loaded.stepLines[i] ?? 0;
    let r: StepResult;
    if (failed || ctx.signal?.aborted) r = skippedStep(step.name, line);
    else if (setupFailure) r = { name: step.name, line, status: "failed", durationMs: 0, failures: [setupFailure], captures: [] };
    else r = await runStep(loaded, step, line, scope, baseUrl, ctx);
    if (r.status === "failed") failed = true;
    result.steps.push(r);
    ctx.onStep?.(loaded, r);
  }
  result.status = failed ? "failed" : "passed";
  result.durationMs = performance.now() - started;
  return result;
}

function buildRequest(step: Step, scope: Scope, baseUrl: string | undefined, ctx: RunContext): HttpRequest {
  const rq = step.request;
  const headers: Record<string, string> = {};
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
    timeoutMs: rq.timeout ?? ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    followRedirects: rq.followRedirects ?? false,
  };
}

async function runStep(
  loaded: LoadedSpec,
  step: Step,
  line: number,
  scope: SpecScope,
  baseUrl: string | undefined,
  ctx: RunContext,
): Promise<StepResult> {
  const started = performance.now();
  const r: StepResult = { name: step.name, line, status: "passed", durationMs: 0, failures: [], captures: [] };
  const done = (response?: HttpResponse, request?: HttpRequest) => {
    r.status = r.failures.length ? "failed" : "passed";
    r.durationMs = response?.durationMs ?? performance.now() - started;
    if (request) ctx.onExchange?.({ spec: loaded, step: r, request, response });
    return r;
  };

  let request: HttpRequest;
  let expect: Expect | undefined;
  try {
    request = buildRequest(step, scope, baseUrl, ctx);
    const maxResponseSize = step.request.maxResponseSize ?? loaded.spec.maxResponseSize ?? ctx.maxResponseSize;
    if (maxResponseSize !== undefined) request.maxResponseSize = maxResponseSize;
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

  const res = await ctx.client.send(request, ctx.signal);
  if (res instanceof NetworkFailure) {
    r.failures.push({ kind: "network", message: res.message });
    return done(undefined, request);
  }
  const setCookie = res.headers["set-cookie"];
  for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) ctx.redactor.addHeader("set-cookie", c);

  const view = new ResponseView(res);
  ctx.redactor.addSecretFields(view.text, () => {
    const j = view.json();
    return j.ok ? j.value : undefined;
  });
  r.failures.push(...checkExpectations(view, expect));
  for (const [name, capture] of Object.entries(step.capture ?? {})) {
    const got = readCapture(view, name, capture);
    if ("kind" in got) {
      r.failures.push(got);
      continue;
    }
    scope.vars.set(name, got.value);
    r.captures.push(name);
    if (typeof capture === "string" || capture.secret !== false) ctx.redactor.add(got.value, 4);
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
