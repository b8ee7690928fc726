// Run a validated suite: setup specs (one after another; their captures go to every spec), the selected
// specs N at a time, then the teardown specs, whatever failed. Reporters get each spec in input order.
import { availableParallelism } from "node:os";
import { envValue } from "../template/env.js";
import { render, renderText, type Ref, type Scope } from "../template/template.js";
import type { Reporter } from "../report/reporter.js";
import type { SpecResult } from "../run/results.js";
import { runSpec, skippedSpec, type RunContext, type SuiteValues } from "../run/runner.js";
import type { LoadedSpec } from "../validate/validate.js";
import { runPool } from "./pool.js";
import { onlyMode } from "./select.js";
import type { SuiteValidation } from "./validate-suite.js";

export interface SuiteRunOptions {
  /** --jobs; default the config's `jobs`, else the number of CPUs. */
  jobs?: number;
  bail?: boolean;
}

export const defaultJobs = (configJobs?: number): number => configJobs ?? Math.max(1, availableParallelism());

/** The config's variables and baseUrl, rendered once at run start (they may use env.*, secrets.* and --var). */
export function suiteValues(v: SuiteValidation, ctx: Pick<RunContext, "env" | "vars">): SuiteValues {
  const vars = new Map<string, unknown>(Object.entries(ctx.vars));
  const scope: Scope = {
    lookup(ref: Ref) {
      if (ref.kind === "var") return vars.has(ref.name) ? { value: vars.get(ref.name) } : undefined;
      const value = envValue(ctx.env, ref.name);
      return value === undefined ? undefined : { value };
    },
  };
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v.config.variables)) {
    if (Object.hasOwn(ctx.vars, k)) continue; // --var wins (own keys: `constructor` is a name like any other)
    out[k] = render(value, scope);
    vars.set(k, out[k]);
  }
  const baseUrl = v.config.baseUrl !== undefined ? renderText(v.config.baseUrl, scope) : undefined;
  const { defaults, auth, absPath, file } = v.config;
  return {
    vars: out,
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    ...(defaults ? { defaults } : {}),
    ...(auth ? { auth } : {}),
    ...(absPath !== undefined && file !== undefined ? { configFile: { absPath, file } } : {}),
  };
}

export async function runSuite(
  v: SuiteValidation,
  selected: readonly LoadedSpec[],
  ctx: RunContext & { suite: SuiteValues },
  reporters: readonly Reporter[],
  opts: SuiteRunOptions,
): Promise<SpecResult[]> {
  const total = v.setup.length + selected.length + v.teardown.length;
  let done = 0;
  let failed = 0;
  const report = (res: SpecResult) => {
    done++;
    if (res.status === "failed") failed++;
    for (const r of reporters) r.onProgress?.({ done, total, failed });
  };
  const ordered = (res: SpecResult) => {
    for (const r of reporters) r.onSpecEnd?.(res);
  };
  const results: SpecResult[] = [];
  let stop = false;
  const sequential = async (list: readonly LoadedSpec[], runCtx: RunContext, exports?: Map<string, unknown>, always = false) => {
    for (const s of list) {
      const res = (stop && !always) || ctx.signal?.aborted ? skippedSpec(s) : await runSpec(s, runCtx, exports);
      report(res);
      ordered(res);
      results.push(res);
      if (res.status === "failed") stop = stop || opts.bail === true || exports !== undefined;
    }
  };

  // Setup: captures accumulate into the suite's variables. A failed setup skips the specs (not the teardown).
  const exports = new Map<string, unknown>();
  const suiteVars: Record<string, unknown> = { ...ctx.suite.vars };
  for (const s of v.setup) {
    await sequential([s], { ...ctx, suite: { ...ctx.suite, vars: { ...suiteVars } } }, exports);
    for (const [k, val] of exports) suiteVars[k] = val;
  }
  const mainCtx: RunContext = { ...ctx, suite: { ...ctx.suite, vars: suiteVars } };
  const only = onlyMode(selected);
  const main = await runPool(selected, {
    jobs: opts.jobs ?? defaultJobs(v.config.jobs),
    stopped: () => stop || ctx.signal?.aborted === true,
    skip: (s) => skippedSpec(s),
    run: async (s) => {
      if (only && !s.spec.only) return skippedSpec(s);
      const res = await runSpec(s, mainCtx);
      if (res.status === "failed" && opts.bail) stop = true;
      return res;
    },
    onDone: report,
    onOrdered: ordered,
  });
  results.push(...main);
  await sequential(v.teardown, mainCtx, undefined, true);
  return results;
}
