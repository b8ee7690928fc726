// GitHub Actions reporter: one `::error file=…,line=…,title=…::message` workflow command per failed step, at
// the step's line in its spec file, and a markdown summary appended to $GITHUB_STEP_SUMMARY. Every value is
// redacted first (Output.writeReport), then escaped the way the runner parses workflow commands, so a
// response body cannot end the command and start another (`\n::add-mask::`, `%0A`, `::set-output`).
import type { RunResult, SpecResult, StepResult } from "../run/results.js";
import { attemptsLine, requestLine, type Output, type Reporter } from "./reporter.js";
import { cutAt } from "../text.js";

/** Escaping of a command's message (data): %, CR and LF. */
export const escapeData = (s: string): string => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
/** Escaping of a property value (file, line, title): also `:` and `,`, which end a property. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");

const MESSAGE_CHARS = 4000;

function failureMessage(spec: SpecResult, step: StepResult): string {
  const lines = [
    ...[requestLine(step), attemptsLine(step)].filter((l) => l !== undefined),
    ...step.failures.map((f) => `- ${f.message}`),
  ];
  const text = lines.join("\n") || `${spec.name} › ${step.name} failed`;
  return text.length > MESSAGE_CHARS ? cutAt(text, MESSAGE_CHARS) + "…" : text;
}

/** The workflow commands of a (redacted) result: one ::error per failed step and per validation problem. */
export function toGithubCommands(result: RunResult): string {
  const out: string[] = [];
  for (const d of result.diagnostics) {
    const props = [`file=${escapeProperty(d.file)}`, ...(d.line > 0 ? [`line=${d.line}`, `col=${d.col}`] : []), `title=${escapeProperty("authspec: invalid spec")}`];
    out.push(`::error ${props.join(",")}::${escapeData(d.message + (d.path ? ` (at ${d.path})` : ""))}`);
  }
  for (const spec of result.specs)
    for (const step of spec.steps) {
      if (step.status !== "failed") continue;
      const props = [`file=${escapeProperty(step.file ?? spec.file)}`, `line=${step.line}`, `title=${escapeProperty(`${spec.name} › ${step.name}`)}`];
      out.push(`::error ${props.join(",")}::${escapeData(failureMessage(spec, step))}`);
    }
  return out.length ? out.join("\n") + "\n" : "";
}

/** Markdown for a table cell: no line breaks, no HTML, `|` escaped. */
const cell = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ").replace(/`/g, "'");

export function toStepSummary(result: RunResult): string {
  const { specs, steps } = result.summary;
  const icon = (s: string) => (s === "passed" ? "✅" : s === "failed" ? "❌" : "⏭️");
  const lines = [
    `### authspec: ${result.exitCode === 0 ? "passed" : result.exitCode === 1 ? "failed" : "invalid specs"}`,
    "",
    `${steps.passed} passed, ${steps.failed} failed, ${steps.skipped} skipped steps · ${specs.total} spec${specs.total === 1 ? "" : "s"} in ${(result.durationMs / 1000).toFixed(2)} s`,
    "",
  ];
  if (result.diagnostics.length) {
    lines.push("| file | problem |", "| --- | --- |");
    for (const d of result.diagnostics) lines.push(`| ${cell(d.line ? `${d.file}:${d.line}:${d.col}` : d.file)} | ${cell(d.message)} |`);
    lines.push("");
  }
  const failed = result.specs.filter((s) => s.status === "failed");
  if (failed.length) {
    lines.push("| | spec | step | failure |", "| --- | --- | --- | --- |");
    for (const s of failed)
      for (const st of s.steps.filter((x) => x.status === "failed"))
        lines.push(`| ${icon("failed")} | ${cell(s.name)} (${cell(st.file ?? s.file)}:${st.line}) | ${cell(st.name)} | ${cell(st.failures.map((f) => f.message).join("; "))} |`);
    lines.push("");
  }
  lines.push("<details><summary>All specs</summary>", "", "| | spec | file | steps |", "| --- | --- | --- | --- |");
  for (const s of result.specs) lines.push(`| ${icon(s.status)} | ${cell(s.name)} | ${cell(s.file)} | ${s.steps.length} |`);
  lines.push("", "</details>", "");
  return lines.join("\n");
}

export class GithubReporter implements Reporter {
  /**
   * @param out annotations (stdout: the runner reads workflow commands from the log)
   * @param summary $GITHUB_STEP_SUMMARY, appended to, when that variable is set
   */
  constructor(
    private readonly out: Output,
    private readonly summary?: Output,
  ) {}

  onRunEnd(result: RunResult): void {
    this.out.writeReport(result, toGithubCommands);
    this.summary?.writeReport(result, toStepSummary, { append: true });
  }
}
