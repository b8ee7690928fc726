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
    // The envelope ($schema, tool) is added after masking: it is authspec's own text, and a short secret
    // (an Authorization header "t") must not turn "authspec" into "au***hspec" and the report invalid.
    this.out.writeReport(result, (safe) => JSON.stringify(toJsonReport(safe, this.version), null, 2) + "\n");
  }
}
