// The library API: validate() and run(). The CLI is a thin shell over these; tests call them directly.
import { UsageError, type Diagnostic } from "./errors.js";
import { readEnvFile } from "./env.js";
import { HttpClient } from "./http/client.js";
import { Redactor } from "./mask.js";
import type { Reporter } from "./report/reporter.js";
import { summarize, type RunResult, type SpecResult } from "./run/results.js";
import { runSpec, skippedSpec, type RunContext } from "./run/runner.js";
import { validateFiles, type ValidateOptions, type ValidationResult } from "./validate/validate.js";
import { preflight } from "./validate/preflight.js";

export interface RunOptions {
  /** --var name=value: defined for every spec, overriding its variables. */
  vars?: Record<string, unknown>;
  /** Environment for env.* and secrets.* (default process.env). */
  env?: Record<string, string | undefined>;
  /** --env-file: KEY=VALUE files merged over `env`. */
  envFiles?: string[];
  /** --base-url: overrides every spec's baseUrl. */
  baseUrl?: string;
  /** --timeout: default timeout of every request, in ms. */
  timeoutMs?: number;
  /** --max-response-size: default bound of every response body, in bytes (default 10 MB). */
  maxResponseSize?: number;
  /** --bail: start no further spec after the first failed one. */
  bail?: boolean;
  reporters?: Reporter[];
  /** The run's masking. Pass the one your reporters' Outputs use. */
  redactor?: Redactor;
  cwd?: string;
  signal?: AbortSignal;
}

export async function validate(paths: readonly string[], opts: ValidateOptions = {}): Promise<ValidationResult> {
  try {
    return await validateFiles(paths, opts);
  } catch (e) {
    if (e instanceof UsageError) return { ok: false, files: [], specs: [], diagnostics: [e.diagnostic()] };
    throw e;
  }
}

export async function run(paths: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const redactor = opts.redactor ?? new Redactor();
  const reporters = opts.reporters ?? [];
  const finish = async (specs: SpecResult[], diagnostics: Diagnostic[]): Promise<RunResult> => {
    const summary = summarize(specs);
    // An interrupted run (the signal aborted: Ctrl-C) is not a pass, whatever ran before it.
    const interrupted = opts.signal?.aborted === true && diagnostics.length === 0;
    const exitCode = diagnostics.length ? 2 : summary.steps.failed || interrupted ? 1 : 0;
    const result: RunResult = {
      ok: exitCode === 0, exitCode, startedAt: startedAt.toISOString(), durationMs: performance.now() - t0, summary, specs, diagnostics,
      ...(interrupted ? { interrupted: true as const } : {}),
    };
    for (const r of reporters) await r.onRunEnd(result);
    return result;
  };

  let env: Record<string, string | undefined>;
  try {
    env = { ...(opts.env ?? process.env) };
    for (const f of opts.envFiles ?? []) Object.assign(env, readEnvFile(f));
  } catch (e) {
    if (e instanceof UsageError) return finish([], [e.diagnostic()]);
    throw e;
  }

  const size = opts.maxResponseSize;
  if (size !== undefined && !(Number.isSafeInteger(size) && size > 0))
    return finish([], [new UsageError(`maxResponseSize must be a positive whole number of bytes, got ${JSON.stringify(size)}`).diagnostic()]);

  const validation = await validate(paths, { vars: Object.keys(opts.vars ?? {}), cwd: opts.cwd });
  if (!validation.ok) return finish([], validation.diagnostics);

  const problems = preflight(validation.specs, env, opts.baseUrl !== undefined);
  if (problems.length) return finish([], problems);
  for (const s of validation.specs) for (const { ref } of s.envRefs) if (ref.kind === "secret") redactor.add(env[ref.name]);

  const client = new HttpClient();
  const ctx: RunContext = {
    client, redactor, env, vars: opts.vars ?? {}, baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs, maxResponseSize: opts.maxResponseSize, signal: opts.signal,
    onStep: (spec, step) => reporters.forEach((r) => r.onStep?.(spec, step)),
    onExchange: (x) => reporters.forEach((r) => r.onExchange?.(x)),
  };
  for (const r of reporters) r.onRunStart?.({ files: validation.files, specs: validation.specs.length });
  const results: SpecResult[] = [];
  let stop = false;
  try {
    for (const loaded of validation.specs) {
      const res = stop || opts.signal?.aborted ? skippedSpec(loaded) : await runSpec(loaded, ctx);
      results.push(res);
      for (const r of reporters) r.onSpecEnd?.(res);
      if (res.status === "failed" && opts.bail) stop = true;
    }
  } finally {
    client.close();
  }
  return finish(results, []);
}
