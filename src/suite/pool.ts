// Run spec files N at a time. Results are handed on in input order (a spec's result waits for the ones
// before it), so reports read the same whatever order the specs finished in.

export interface PoolOptions<T, R> {
  jobs: number;
  run(item: T, index: number): Promise<R>;
  /** Instead of run, once `stopped()` says so (--bail after a failure, an abort): running items finish. */
  skip(item: T, index: number): R;
  stopped(): boolean;
  /** Each result as it completes (progress). */
  onDone?(result: R, index: number): void;
  /** Each result in input order. */
  onOrdered?(result: R, index: number): void;
}

export async function runPool<T, R>(items: readonly T[], opts: PoolOptions<T, R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  const done: boolean[] = new Array(items.length).fill(false);
  let next = 0;
  let emitted = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const item = items[i]!;
      const r = opts.stopped() ? opts.skip(item, i) : await opts.run(item, i);
      results[i] = r;
      done[i] = true;
      opts.onDone?.(r, i);
      while (emitted < items.length && done[emitted]) {
        opts.onOrdered?.(results[emitted]!, emitted);
        emitted++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, items.length)) }, worker));
  return results;
}
