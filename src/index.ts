// authspec: declarative test runner for authenticated HTTP APIs. Library entry point.
export { validate, run, type RunOptions, type ValidateOptions } from "./api.js";
export type { ValidationResult, LoadedSpec } from "./validate/validate.js";
export type { SuiteValidation } from "./suite/validate-suite.js";
export type { RunResult, SpecResult, StepResult, Failure, FailureKind, Status, Summary, Counts } from "./run/results.js";
export type { Diagnostic } from "./errors.js";
export { formatDiagnostic } from "./errors.js";
export type * from "./spec/types.js";
export { Redactor, MASK } from "./mask.js";
export { Output, type Reporter, type RunInfo, type Progress } from "./report/reporter.js";
export { ConsoleReporter } from "./report/console.js";
export { JsonReporter } from "./report/json.js";
export { JUnitReporter } from "./report/junit.js";
export { GithubReporter } from "./report/github.js";
export { VERSION } from "./version.js";
