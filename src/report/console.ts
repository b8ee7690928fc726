// Console reporter: a passing spec folds to one line (✓, name, steps, duration; --verbose unfolds it), a
// failing spec shows one line per step with ✓/✗ and its duration, failure blocks come at the end (request
// line, expected against actual, a response excerpt), then a summary line "N passed, N failed, N skipped".
// Output is buffered per spec, so a spec's lines always stay together when specs run in parallel; on a
// terminal a live progress line (specs done / total, failures) sits below them.
import type { ChalkInstance } from "chalk";
import { diagnosticParts } from "../errors.js";
import { MASK, SECRET_HEADERS } from "../mask.js";
import { cutAt } from "../text.js";
import type { Exchange } from "../run/runner.js";
import type { RunResult, SpecResult, StepResult } from "../run/results.js";
import type { LoadedSpec } from "../validate/validate.js";
import { attemptsLine, type Output, type Progress, type Reporter } from "./reporter.js";

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`);
const VERBOSE_BODY_CHARS = 2000;
const indent = (text: string, pad: string) => text.split("\n").map((l) => pad + l).join("\n");

export interface ConsoleOptions {
  verbose?: boolean;
}

export class ConsoleReporter implements Reporter {
  private buffers = new Map<string, string[]>();
  /** --verbose lines of the exchange that belongs to the next step line of each spec file. */
  private pending = new Map<string, string[]>();
  /** The progress line is on screen (terminal only). */
  private progressShown = false;

  constructor(
    private readonly out: Output,
    private readonly c: ChalkInstance,
    private readonly opts: ConsoleOptions = {},
  ) {}

  private buf(file: string): string[] {
    let b = this.buffers.get(file);
    if (!b) this.buffers.set(file, (b = []));
    return b;
  }

  onStep(spec: LoadedSpec, step: StepResult): void {
    const c = this.c;
    const mark = step.status === "passed" ? c.green("✓") : step.status === "failed" ? c.red("✗") : c.yellow("-");
    const time = step.status === "skipped" ? c.dim("skipped") : c.dim(ms(step.durationMs));
    const attempts = step.attempts !== undefined && step.attempts > 1 ? c.dim(` (${step.attempts} attempts)`) : "";
    this.buf(spec.file).push(`  ${mark} ${step.name}  ${time}${attempts}`);
    const pending = this.pending.get(spec.file);
    if (this.opts.verbose && pending) {
      this.buf(spec.file).push(...pending);
      this.pending.delete(spec.file);
    }
  }

  onExchange(x: Exchange): void {
    if (!this.opts.verbose) return;
    const c = this.c;
    const lines: string[] = [];
    const rq = x.request;
    lines.push(c.cyan(`      > ${rq.method} ${rq.url}`));
    for (const [k, v] of Object.entries(rq.headers)) lines.push(c.dim(`      > ${k}: ${this.header(k, v)}`));
    if (rq.body !== undefined) lines.push(indent(cut(this.out.redact(rq.body)), "      > "));
    const res = x.response;
    if (res) {
      lines.push(c.cyan(`      < HTTP/${res.httpVersion} ${res.status} ${res.statusText} (${ms(res.durationMs)})`));
      for (const [k, v] of Object.entries(res.headers))
        for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) lines.push(c.dim(`      < ${k}: ${this.header(k, one)}`));
      const body = res.body.toString("utf8");
      if (body) lines.push(indent(cut(this.out.redact(body)), "      < "));
    } else if (x.step.failures[0]) lines.push(c.red(`      < ${x.step.failures[0].message}`));
    // A retried step has several exchanges: all of them go under its line.
    this.pending.set(x.spec.file, [...(this.pending.get(x.spec.file) ?? []), ...lines]);
  }

  private header(name: string, value: string): string {
    return SECRET_HEADERS.has(name.toLowerCase()) ? MASK : value;
  }

  onSpecEnd(spec: SpecResult): void {
    const c = this.c;
    const mark = spec.status === "passed" ? c.green("✓") : spec.status === "failed" ? c.red("✗") : c.yellow("-");
    const n = spec.steps.length;
    const steps = `${n} step${n === 1 ? "" : "s"}`;
    const lines = this.buffers.get(spec.file) ?? [];
    this.buffers.delete(spec.file);
    // Folded: a passing or skipped spec is one line, unless --verbose.
    const fold = spec.status !== "failed" && !this.opts.verbose;
    const what = spec.status === "skipped" ? `${steps} skipped` : fold ? `${steps} · ${ms(spec.durationMs)}` : ms(spec.durationMs);
    const head = `${mark} ${c.bold(spec.name)} ${c.dim(`${spec.file} · ${what}`)}`;
    this.write((fold ? [head] : [head, ...lines]).join("\n") + "\n");
  }

  onProgress(p: Progress): void {
    if (!this.out.isTTY || p.done >= p.total) return this.clearProgress();
    const text = `  ${p.done}/${p.total} specs${p.failed ? `, ${p.failed} failed` : ""} …`;
    this.out.write(`\r\x1b[2K${p.failed ? this.c.red(text) : this.c.dim(text)}`);
    this.progressShown = true;
  }

  private clearProgress(): void {
    if (this.progressShown) this.out.write("\r\x1b[2K");
    this.progressShown = false;
  }

  /** Write lines with the progress line out of the way (it is drawn again at the next progress). */
  private write(text: string): void {
    this.clearProgress();
    this.out.write(text);
  }

  onRunEnd(result: RunResult): void {
    const c = this.c;
    const out: string[] = [];
    if (result.diagnostics.length) {
      for (const d of result.diagnostics) {
        const { where, what } = diagnosticParts(d);
        out.push(`${c.bold(where)}: ${c.red("error")} ${what}`);
      }
      const files = new Set(result.diagnostics.map((d) => d.file)).size;
      out.push("", c.red(`${result.diagnostics.length} problem${result.diagnostics.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}; nothing was sent`));
      this.write(out.join("\n") + "\n");
      return;
    }
    const failed = result.specs.flatMap((s) => s.steps.filter((st) => st.status === "failed").map((st) => ({ s, st })));
    if (failed.length) {
      out.push("", c.red.bold("Failures"));
      failed.forEach(({ s, st }, i) => out.push("", failureBlock(c, i + 1, s, st)));
    }
    const { steps, specs } = result.summary;
    if (result.interrupted) out.push("", c.yellow("Interrupted: the requests in flight were aborted and the remaining steps skipped"));
    out.push(
      "",
      `${c.green(`${steps.passed} passed`)}, ${steps.failed ? c.red(`${steps.failed} failed`) : `${steps.failed} failed`}, ${steps.skipped ? c.yellow(`${steps.skipped} skipped`) : `${steps.skipped} skipped`}`,
      c.dim(`${specs.total} spec${specs.total === 1 ? "" : "s"}${specs.failed ? ` (${specs.failed} failed)` : ""} in ${ms(result.durationMs)}`),
    );
    this.write(out.join("\n") + "\n");
  }
}

function cut(text: string): string {
  return text.length > VERBOSE_BODY_CHARS ? cutAt(text, VERBOSE_BODY_CHARS) + `… (${text.length} characters)` : text;
}

function failureBlock(c: ChalkInstance, n: number, spec: SpecResult, step: StepResult): string {
  const lines = [`${c.red(`${n})`)} ${c.bold(`${spec.name} › ${step.name}`)}  ${c.dim(`${step.file ?? spec.file}:${step.line}`)}`];
  if (step.request) {
    const res = step.response ? ` → ${step.response.status}${step.response.statusText ? " " + step.response.statusText : ""}` : "";
    lines.push(`   ${step.request.method} ${step.request.url}${res}`);
  }
  const attempts = attemptsLine(step);
  if (attempts) lines.push(c.dim(`   ${attempts}`));
  for (const f of step.failures) lines.push(`   ${c.red("✗")} ${f.message}`);
  if (step.response?.bodyExcerpt) {
    lines.push(c.dim(`   response body${step.response.contentType ? ` (${step.response.contentType})` : ""}:`));
    lines.push(indent(step.response.bodyExcerpt, "     "));
  }
  return lines.join("\n");
}
