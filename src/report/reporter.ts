// Report: reporters are small classes behind one interface. Every byte they write goes through
// the run's Redactor (the one masking mechanism), via Output.
import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "../mask.js";
import { fileProblem, UsageError } from "../errors.js";
import type { Exchange } from "../run/runner.js";
import type { RunResult, SpecResult, StepResult } from "../run/results.js";
import type { LoadedSpec } from "../validate/validate.js";

/** The plain-text lines of a failed step that every report shows: its request line and its attempts. */
export const requestLine = (step: StepResult): string | undefined =>
  step.request && `${step.request.method} ${step.request.url}${step.response ? ` -> ${step.response.status}` : ""}`;
export const attemptsLine = (step: StepResult): string | undefined =>
  step.attempts === undefined ? undefined : `after ${step.attempts} attempt${step.attempts === 1 ? "" : "s"}`;

export interface RunInfo {
  files: string[];
  specs: number;
}

export interface Progress {
  /** Spec files finished (setup and teardown included), of `total`. */
  done: number;
  total: number;
  /** Of those, failed. */
  failed: number;
}

export interface Reporter {
  onRunStart?(info: RunInfo): void;
  /** A step finished (specs run in parallel: steps of several specs interleave; each carries its spec). */
  onStep?(spec: LoadedSpec, step: StepResult): void;
  onExchange?(x: Exchange): void;
  /** A spec finished, in input order (a spec waits for the ones before it). */
  onSpecEnd?(spec: SpecResult): void;
  /** A spec finished, in the order they finish (for a progress line). */
  onProgress?(p: Progress): void;
  /** Write the final report. Called once, also for runs stopped by invalid specs (exit code 2). */
  onRunEnd(result: RunResult): void | Promise<void>;
}

/** Fields whose string values are authspec's own vocabulary (enums, the start time), never data. */
export const REPORT_VOCABULARY: ReadonlySet<string> = new Set(["status", "kind", "method", "startedAt"]);

/** Where a reporter writes: stdout, or a file. Text is redacted on its way out. */
export class Output {
  constructor(
    private readonly redactor: Redactor,
    readonly file?: string,
    private readonly stream: NodeJS.WritableStream = process.stdout,
  ) {}

  /** True when the output is a terminal (a live progress line is drawn only there). */
  get isTTY(): boolean {
    return !this.file && (this.stream as NodeJS.WriteStream).isTTY === true;
  }

  /** Mask text without writing it: for text that is cut before it is written (a secret across the cut). */
  redact(text: string): string {
    return this.redactor.redact(text);
  }

  private started = false;

  /** Write text now (console streaming): to the file when there is one (created on the first write), else the stream. */
  write(text: string): void {
    const safe = this.redactor.redact(text);
    if (!this.file) return void this.stream.write(safe);
    try {
      if (!this.started) mkdirSync(dirname(this.file), { recursive: true });
      (this.started ? appendFileSync : writeFileSync)(this.file, safe);
      this.started = true;
    } catch (e) {
      throw new UsageError(`cannot write the report ${this.file}: ${fileProblem(e)}`);
    }
  }

  /**
   * Write a structured report: every string value is redacted first (keys and REPORT_VOCABULARY values
   * are kept), then the safe copy is serialized. The text is not redacted again: that pass would also
   * mask markup, keys and numbers that happen to contain a secret (`<testsuite>` with the secret
   * "test", a duration 12.00001 with "0000") and corrupt the document.
   */
  writeReport<T>(value: T, serialize: (safe: T) => string, opts: { append?: boolean } = {}): void {
    const text = serialize(this.redactor.redactDeep(value, REPORT_VOCABULARY));
    if (!this.file) return void this.stream.write(text);
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      (opts.append ? appendFileSync : writeFileSync)(this.file, text);
    } catch (e) {
      throw new UsageError(`cannot write the report ${this.file}: ${fileProblem(e)}`);
    }
  }
}
