// `retry: { count, delay }` on a step: send it again until it passes or the extra attempts run out.
import type { Retry } from "../spec/types.js";
import type { StepResult } from "./results.js";

/** Run `attempt` up to 1 + retry.count times, `delay` ms apart, until it passes; the result carries the attempts. */
export async function withRetry(retry: Retry | undefined, signal: AbortSignal | undefined, attempt: () => Promise<StepResult>): Promise<StepResult> {
  let r = await attempt();
  let attempts = 1;
  while (r.status === "failed" && retry && attempts <= retry.count && !signal?.aborted) {
    if (retry.delay) await sleep(retry.delay, signal);
    if (signal?.aborted) break;
    r = await attempt();
    attempts++;
  }
  if (retry) r.attempts = attempts;
  return r;
}

/** Resolves after `ms`, or at once when the run is aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
