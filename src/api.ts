// The library API: validate() and run(). The CLI is a thin shell over these; tests call them directly.
import { UsageError, type Diagnostic } from "./errors.js";
import { readEnvFile } from "./env.js";
import { HttpClient } from "./http/client.js";
import { RunAuth } from "./auth/apply.js";
import { envValue } from "./template/env.js";
import { Redactor } from "./mask.js";
import type { Reporter } from "./report/reporter.js";
import { summarize, type RunResult, type SpecResult } from "./run/results.js";
import type { RunContext } from "./run/runner.js";
import type { ValidationResult } from "./validate/validate.js";
import { preflight } from "./validate/preflight.js";
import { configPreflight } from "./suite/config.js";
import { runSuite, suiteValues } from "./suite/run-suite.js";
import { parseShard, selectSpecs, type Shard } from "./suite/select.js";
import { validateSuite, type SuiteValidateOptions, type SuiteValidation } from "./suite/validate-suite.js";

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
  /** --config FILE: the suite config (default: authspec.config.yaml in cwd, when there is one). */
  config?: string;
  /** --env NAME: an environment of the config. */
  envName?: string;
  /** --jobs N: spec files run at once (default: the config's jobs, else the number of CPUs). */
  jobs?: number;
  /** --shard i/n */
  shard?: Shard | string;
  /** --grep PATTERN: specs whose name or a step's name matches (a case-insensitive regular expression). */
  grep?: string;
  /** --tag NAME (repeatable): specs with at least one of these tags. */
  tags?: string[];
  /** Warnings and notes (tls.insecure, a selection that left no spec), already masked. Default: standard error. */
  warn?: (message: string) => void;
}

export type ValidateOptions = SuiteValidateOptions;

export async function validate(paths: readonly string[], opts: ValidateOptions = {}): Promise<SuiteValidation | ValidationResult> {
  try {
    return await validateSuite(paths, opts);
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

  if (opts.jobs !== undefined && !(Number.isSafeInteger(opts.jobs) && opts.jobs >= 1 && opts.jobs <= 256))
    return finish([], [new UsageError(`jobs must be a whole number from 1 to 256, got ${JSON.stringify(opts.jobs)}`).diagnostic()]);
  const size = opts.maxResponseSize;
  if (size !== undefined && !(Number.isSafeInteger(size) && size > 0))
    return finish([], [new UsageError(`maxResponseSize must be a positive whole number of bytes, got ${JSON.stringify(size)}`).diagnostic()]);

  const validation = await validate(paths, { vars: Object.keys(opts.vars ?? {}), cwd: opts.cwd, config: opts.config, envName: opts.envName });
  if (!validation.ok || !("config" in validation)) return finish([], validation.diagnostics);
  let selected;
  try {
    const shard = typeof opts.shard === "string" ? parseShard(opts.shard) : opts.shard;
    selected = selectSpecs(validation.specs, { shard, grep: opts.grep, tags: opts.tags, root: validation.config.root });
  } catch (e) {
    if (e instanceof UsageError) return finish([], [e.diagnostic()]);
    throw e;
  }
  const warn = (message: string) => (opts.warn ?? ((m: string) => process.stderr.write(m + "\n")))(redactor.redact(message));
  if (selected.length === 0 && validation.specs.length > 0) {
    // Not an error (a shard may be empty), but a --grep typo must not look like a passing run.
    const by = [
      opts.grep !== undefined ? `--grep ${JSON.stringify(opts.grep)}` : "",
      opts.tags?.length ? `--tag ${opts.tags.join(", ")}` : "",
      opts.shard !== undefined ? `--shard ${typeof opts.shard === "string" ? opts.shard : `${opts.shard.index}/${opts.shard.count}`}` : "",
    ].filter(Boolean);
    const n = validation.specs.length;
    warn(`note: ${by.join(" and ")} selected none of the ${n} spec file${n === 1 ? "" : "s"}`);
  }

  // Setup, teardown and included files are checked too; a relative url may rely on the config's baseUrl,
  // and an included file's on the including spec's.
  const { setup, teardown, flows, config } = validation;
  const hasBase = opts.baseUrl !== undefined || config.baseUrl !== undefined;
  const problems = [...configPreflight(config, env), ...preflight([...setup, ...selected, ...teardown], env, hasBase), ...preflight(flows, env, true)];
  if (problems.length) return finish([], problems);
  for (const s of [...setup, ...selected, ...teardown, ...flows]) for (const { ref } of s.envRefs) if (ref.kind === "secret") redactor.add(envValue(env, ref.name));
  for (const { ref } of config.envRefs) if (ref.kind === "secret") redactor.add(envValue(env, ref.name));

  const client = new HttpClient();
  // One RunAuth for the whole run (setup, specs and teardown): one token cache, JWKS cache and set of TLS files.
  const auth = new RunAuth(client, redactor, warn);
  const base = { client, redactor, env, vars: opts.vars ?? {}, baseUrl: opts.baseUrl, timeoutMs: opts.timeoutMs, maxResponseSize: opts.maxResponseSize, signal: opts.signal, warn, auth };
  let suite;
  try {
    suite = suiteValues(validation, base);
  } catch (e) {
    return finish([], [{ file: config.file ?? "authspec", line: 0, col: 0, message: (e as Error).message }]);
  }
  const ctx: RunContext & { suite: NonNullable<RunContext["suite"]> } = {
    ...base, suite,
    onStep: (spec, step) => reporters.forEach((r) => r.onStep?.(spec, step)),
    onExchange: (x) => reporters.forEach((r) => r.onExchange?.(x)),
  };
  const files = [...setup, ...selected, ...teardown].map((s) => s.file);
  for (const r of reporters) r.onRunStart?.({ files, specs: files.length });
  let results: SpecResult[];
  try {
    results = await runSuite(validation, selected, ctx, reporters, { jobs: opts.jobs, bail: opts.bail });
  } finally {
    client.close();
  }
  return finish(results, []);
}
