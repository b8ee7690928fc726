// Results: what a run produces. schemas/report.schema.json describes the JSON report built from these.
import type { Diagnostic } from "../errors.js";

export type Status = "passed" | "failed" | "skipped";
export type FailureKind = "status" | "header" | "body" | "schema" | "duration" | "capture" | "network" | "template" | "auth" | "cookie" | "jwt" | "tls" | "internal";

export interface Failure {
  kind: FailureKind;
  /** What was checked: a header name, a JSONPath, a capture name. */
  target?: string;
  message: string;
}

export interface StepResult {
  name: string;
  /** Line of the step in its spec file (in `file` when set). */
  line: number;
  /** The file the step comes from when it is not the spec's own (a step of an included file). */
  file?: string;
  status: Status;
  durationMs: number;
  request?: { method: string; url: string };
  response?: { status: number; statusText: string; contentType?: string; bodyExcerpt?: string };
  failures: Failure[];
  /** Names of the variables this step captured (never their values). */
  captures: string[];
  /** How many times the step was sent (steps with `retry` only). */
  attempts?: number;
}

export interface SpecResult {
  file: string;
  name: string;
  status: Status;
  durationMs: number;
  steps: StepResult[];
}

export interface Counts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export interface Summary {
  specs: Counts;
  steps: Counts;
}

export interface RunResult {
  ok: boolean;
  /** 0 every step passed, 1 a step failed, 2 invalid specs or wrong usage. */
  exitCode: 0 | 1 | 2;
  startedAt: string;
  durationMs: number;
  summary: Summary;
  specs: SpecResult[];
  diagnostics: Diagnostic[];
  /** Set when the run was stopped by its AbortSignal (Ctrl-C): steps after that point are skipped. */
  interrupted?: true;
}

const counts = (): Counts => ({ total: 0, passed: 0, failed: 0, skipped: 0 });

export function summarize(specs: readonly SpecResult[]): Summary {
  const s: Summary = { specs: counts(), steps: counts() };
  for (const spec of specs) {
    s.specs.total++;
    s.specs[spec.status]++;
    for (const step of spec.steps) {
      s.steps.total++;
      s.steps[step.status]++;
    }
  }
  return s;
}
