// Ctrl-C (SIGINT) and SIGTERM (what CI sends when a job is cancelled): the first signal aborts the run's
// AbortSignal (in-flight requests are cancelled, the remaining steps and specs are skipped) and lets
// the reporters finish their reports; the exit code is then 128 + the signal number (130, 143).
// A second signal quits at once.
export const INTERRUPTED_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type Signal = keyof typeof INTERRUPTED_EXIT_CODES;

export async function interruptible(work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  let received: Signal | undefined;
  const handlers = (Object.keys(INTERRUPTED_EXIT_CODES) as Signal[]).map((sig) => {
    const handler = () => {
      if (received) process.exit(INTERRUPTED_EXIT_CODES[received]);
      received = sig;
      const [how, again] = sig === "SIGINT" ? ["interrupted", "Ctrl-C"] : ["terminated (SIGTERM)", "SIGTERM"];
      process.stderr.write(`\nauthspec: ${how}: aborting the requests in flight and writing the reports (${again} again to quit at once)\n`);
      controller.abort();
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  try {
    const code = await work(controller.signal);
    return received ? INTERRUPTED_EXIT_CODES[received] : code;
  } finally {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  }
}
