// Report: reporters are small classes behind one interface. Every byte they write goes through
// the run's Redactor (the one masking mechanism), via Output.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Redactor } from "../mask.js";
import type { Exchange } from "../run/runner.js";
import type { RunResult, SpecResult, StepResult } from "../run/results.js";
import type { LoadedSpec } from "../validate/validate.js";

export interface RunInfo {
  files: string[];
  specs: number;
}

export interface Reporter {
  onRunStart?(info: RunInfo): void;
  onStep?(spec: LoadedSpec, step: StepResult): void;
  onExchange?(x: Exchange): void;
  onSpecEnd?(spec: SpecResult): void;
  /** Write the final report. Called once, also for runs stopped by invalid specs (exit code 2). */
  onRunEnd(result: RunResult): void | Promise<void>;
}

/** Where a reporter writes: stdout, or a file. Text is redacted on its way out. */
export class Output {
  constructor(
    private readonly redactor: Redactor,
    readonly file?: string,
    private readonly stream: NodeJS.WritableStream = process.stdout,
  ) {}

  /** Write text now (console streaming). */
  write(text: string): void {
    this.stream.write(this.redactor.redact(text));
  }

  /** Write a whole document (file reports). Structured content should be redacted before it is serialized. */
  writeDocument(text: string): void {
    const safe = this.redactor.redact(text);
    if (this.file) {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, safe);
    } else this.stream.write(safe);
  }

  get redactorRef(): Redactor {
    return this.redactor;
  }
}
