// Ctrl-C: the first SIGINT aborts the run's signal (in-flight requests are cancelled, the remaining
// steps and specs are skipped) and lets the reporters finish their reports; the exit code is 130.
// A second SIGINT quits at once.
export const INTERRUPTED_EXIT_CODE = 130;

export async function interruptible(work: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    process.stderr.write("\nauthspec: interrupted: aborting the requests in flight and writing the reports (Ctrl-C again to quit at once)\n");
    controller.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const code = await work(controller.signal);
    return controller.signal.aborted ? INTERRUPTED_EXIT_CODE : code;
  } finally {
    process.off("SIGINT", onSigint);
  }
}
