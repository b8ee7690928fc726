// JUnit reporter: the Ant JUnit XML shape Jenkins and GitLab read. One <testsuite> per spec
// (package = spec file), one <testcase> per step (classname = spec file, name = step, time in
// seconds). XML is built with xmlbuilder2 (maintained; escapes text and attributes, drops nothing).
import { hostname } from "node:os";
import { create } from "xmlbuilder2";
import { formatDiagnostic } from "../errors.js";
import type { RunResult, SpecResult } from "../run/results.js";
import { attemptsLine, requestLine, type Output, type Reporter } from "./reporter.js";

const seconds = (ms: number) => (ms / 1000).toFixed(3);
/** XML 1.0 cannot carry most control characters, even escaped: replace them. */
const xmlSafe = (s: string) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, "\uFFFD");
/** The XSD's timestamp: local ISO 8601 without zone or fraction. */
const timestamp = (iso: string) => iso.slice(0, 19);

/** The JUnit XML of a (redacted) result. */
export function toJUnit(result: RunResult): string {
  const root = create({ version: "1.0", encoding: "UTF-8" }).ele("testsuites");
  const host = hostname() || "localhost";
  const ts = timestamp(result.startedAt);
  let id = 0;
  if (result.diagnostics.length) {
    const files = [...new Set(result.diagnostics.map((d) => d.file))];
    const suite = root.ele("testsuite", {
      name: "authspec validation", package: "authspec", id: id++, timestamp: ts, hostname: host,
      tests: files.length, failures: 0, errors: files.length, skipped: 0, time: "0.000",
    });
    suite.ele("properties");
    for (const file of files) {
      const diags = result.diagnostics.filter((d) => d.file === file);
      suite
        .ele("testcase", { name: xmlSafe(`validate ${file}`), classname: xmlSafe(file), time: "0.000" })
        .ele("error", { type: "validation", message: xmlSafe(`${diags.length} problem(s) in ${file}`) })
        .txt(xmlSafe(diags.map(formatDiagnostic).join("\n")));
    }
    suite.ele("system-out");
    suite.ele("system-err");
  }
  for (const spec of result.specs) addSuite(root, spec, id++, ts, host);
  return root.end({ prettyPrint: true }) + "\n";
}

function addSuite(root: ReturnType<typeof create>, spec: SpecResult, id: number, ts: string, host: string) {
  const count = (s: string) => spec.steps.filter((x) => x.status === s).length;
  const suite = root.ele("testsuite", {
    name: xmlSafe(spec.name), package: xmlSafe(spec.file), id, timestamp: ts, hostname: host,
    tests: spec.steps.length, failures: count("failed"), errors: 0, skipped: count("skipped"), time: seconds(spec.durationMs),
  });
  suite.ele("properties").ele("property", { name: "file", value: xmlSafe(spec.file) });
  for (const step of spec.steps) {
    const tc = suite.ele("testcase", { name: xmlSafe(step.name), classname: xmlSafe(spec.file), time: seconds(step.durationMs) });
    if (step.status === "skipped") tc.ele("skipped", { message: "skipped: skip/only, an earlier failed step, a failed setup or --bail" });
    else if (step.status === "failed") {
      const first = step.failures[0];
      const detail = [
        `${step.file ?? spec.file}:${step.line}`,
        ...[attemptsLine(step), requestLine(step)].filter((l) => l !== undefined),
        ...step.failures.map((f) => `- ${f.message}`),
        ...(step.response?.bodyExcerpt ? ["response body:", step.response.bodyExcerpt] : []),
      ].join("\n");
      tc.ele("failure", { type: first?.kind ?? "failure", message: xmlSafe(first?.message ?? "failed") }).txt(xmlSafe(detail));
    }
  }
  suite.ele("system-out");
  suite.ele("system-err");
}

export class JUnitReporter implements Reporter {
  constructor(private readonly out: Output) {}
  onRunEnd(result: RunResult): void {
    this.out.writeReport(result, toJUnit);
  }
}
