// Console reporter: one line per step with ✓/✗ and its duration, failure blocks at the end (request
// line, expected against actual, a response excerpt) and a summary line "N passed, N failed, N skipped".
// Output is buffered per spec, so a spec's lines always stay together.
import type { ChalkInstance } from "chalk";
import { diagnosticParts } from "../errors.js";
import { MASK, SECRET_HEADERS } from "../mask.js";
import { cutAt } from "../text.js";
import type { Exchange } from "../run/runner.js";
import type { RunResult, SpecResult, StepResult } from "../run/results.js";
import type { LoadedSpec } from "../validate/validate.js";
import type { Output, Reporter } from "./reporter.js";

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`);
const VERBOSE_BODY_CHARS = 2000;
const indent = (text: string, pad: string) => text.split("\n").map((l) => pad + l).join("\n");

export interface ConsoleOptions {
  verbose?: boolean;
}

export class ConsoleReporter implements Reporter {
  private buffers = new Map<string, string[]>();
  /** --verbose lines of the exchange that belongs to the next step line. */
  private pending: string[] | undefined;

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
    this.buf(spec.file).push(`  ${mark} ${step.name}  ${time}`);
    if (this.opts.verbose && this.pending) {
      this.buf(spec.file).push(...this.pending);
      this.pending = undefined;
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
    this.pending = lines;
  }

  private header(name: string, value: string): string {
    return SECRET_HEADERS.has(name.toLowerCase()) ? MASK : value;
  }

  onSpecEnd(spec: SpecResult): void {
    const c = this.c;
    const mark = spec.status === "passed" ? c.green("✓") : spec.status === "failed" ? c.red("✗") : c.yellow("-");
    const head = `${mark} ${c.bold(spec.name)} ${c.dim(`${spec.file} · ${ms(spec.durationMs)}`)}`;
    const lines = this.buffers.get(spec.file) ?? [];
    this.buffers.delete(spec.file);
    this.out.write([head, ...lines].join("\n") + "\n");
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
      this.out.write(out.join("\n") + "\n");
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
    this.out.write(out.join("\n") + "\n");
  }
}

function cut(text: string): string {
  return text.length > VERBOSE_BODY_CHARS ? cutAt(text, VERBOSE_BODY_CHARS) + `… (${text.length} characters)` : text;
}

function failureBlock(c: ChalkInstance, n: number, spec: SpecResult, step: StepResult): string {
  const lines = [`${c.red(`${n})`)} ${c.bold(`${spec.name} › ${step.name}`)}  ${c.dim(`${spec.file}:${step.line}`)}`];
  if (step.request) {
    const res = step.response ? ` → ${step.response.status}${step.response.statusText ? " " + step.response.statusText : ""}` : "";
    lines.push(`   ${step.request.method} ${step.request.url}${res}`);
  }
  for (const f of step.failures) lines.push(`   ${c.red("✗")} ${f.message}`);
  if (step.response?.bodyExcerpt) {
    lines.push(c.dim(`   response body${step.response.contentType ? ` (${step.response.contentType})` : ""}:`));
    lines.push(indent(step.response.bodyExcerpt, "     "));
  }
  return lines.join("\n");
}
