// JSON reporter: one document describing every spec and step (schemas/report.schema.json).
import type { RunResult } from "../run/results.js";
import type { Output, Reporter } from "./reporter.js";

export interface JsonReport extends RunResult {
  $schema: string;
  tool: { name: "authspec"; version: string };
}

export const REPORT_SCHEMA_ID = "https://authspec.dev/schemas/report.schema.json";

export function toJsonReport(result: RunResult, version: string): JsonReport {
  return { $schema: REPORT_SCHEMA_ID, tool: { name: "authspec", version }, ...result };
}

export class JsonReporter implements Reporter {
  constructor(
    private readonly out: Output,
    private readonly version: string,
  ) {}

  onRunEnd(result: RunResult): void {
    this.out.writeReport(toJsonReport(result, this.version), (report) => JSON.stringify(report, null, 2) + "\n");
  }
}
