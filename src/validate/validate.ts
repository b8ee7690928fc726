// Validate: parse and check every file before anything is sent.
import { readFile } from "node:fs/promises";
import { formatDiagnostic, sortDiagnostics, type Diagnostic } from "../errors.js";
import { displayPath, expandPaths } from "../load/files.js";
import { locate, parseSource, type Source } from "../load/source.js";
import type { Spec } from "../spec/types.js";
import type { Ref } from "../template/template.js";
import validateSpecSchema from "../generated/validate-spec.js";
import { schemaDiagnostics } from "./schema.js";
import { semanticCheck } from "./semantic.js";

export interface LoadedSpec {
  /** The file as shown in outputs (relative to the working directory when inside it). */
  file: string;
  absPath: string;
  spec: Spec;
  /** Line of each step (its `- name:` entry), for reports and annotations. */
  stepLines: number[];
  /** env.* and secrets.* references with their positions. */
  envRefs: { ref: Ref; line: number; col: number }[];
}

export interface ValidateOptions {
  /** Names given with --var: they count as defined variables. */
  vars?: Iterable<string>;
  cwd?: string;
}

export interface ValidationResult {
  ok: boolean;
  files: string[];
  diagnostics: Diagnostic[];
  specs: LoadedSpec[];
}

export function validateText(file: string, text: string, cliVars: ReadonlySet<string> = new Set()): { diagnostics: Diagnostic[]; source: Source; envRefs: LoadedSpec["envRefs"] } {
  const { source, diagnostics } = parseSource(file, text);
  if (diagnostics.length) return { diagnostics, source, envRefs: [] };
  const schema = schemaDiagnostics(source, validateSpecSchema as never);
  const semantic = semanticCheck(source, cliVars);
  return { diagnostics: sortDiagnostics([...schema, ...semantic.diagnostics]), source, envRefs: semantic.envRefs };
}

/** Expand paths, parse and validate every file. Never throws for bad content; throws UsageError for missing paths. */
export async function validateFiles(paths: readonly string[], opts: ValidateOptions = {}): Promise<ValidationResult> {
  const cwd = opts.cwd ?? process.cwd();
  const absPaths = await expandPaths(paths, cwd);
  const cliVars = new Set(opts.vars ?? []);
  const texts = await Promise.all(absPaths.map((p) => readFile(p).then((b) => b.toString("utf8"), (e: Error) => e)));
  const diagnostics: Diagnostic[] = [];
  const specs: LoadedSpec[] = [];
  absPaths.forEach((absPath, i) => {
    const file = displayPath(absPath, cwd);
    const text = texts[i]!;
    if (text instanceof Error) {
      diagnostics.push({ file, line: 0, col: 0, message: `cannot read file: ${text.message}` });
      return;
    }
    const r = validateText(file, text, cliVars);
    diagnostics.push(...r.diagnostics);
    if (r.diagnostics.length === 0) {
      const spec = r.source.data as Spec;
      const stepLines = spec.steps.map((_, j) => locate(r.source, `/steps/${j}`).line);
      specs.push({ file, absPath, spec, stepLines, envRefs: r.envRefs });
    }
  });
  return { ok: diagnostics.length === 0, files: absPaths.map((p) => displayPath(p, cwd)), diagnostics, specs };
}

export { formatDiagnostic };
