// Validate: parse and check every file before anything is sent.
import { readFile } from "node:fs/promises";
import { fileProblem, sortDiagnostics, type Diagnostic } from "../errors.js";
import { displayPath, expandPaths } from "../load/files.js";
import { lazySource, locate, parseSource, positionOf, type Source } from "../load/source.js";
import type { Spec } from "../spec/types.js";
import validateSpecSchema from "../generated/validate-spec.js";
import { schemaDiagnostics } from "./schema.js";
import { semanticCheck, type EnvRef, type IncludeHost } from "./semantic.js";
import { fastParse } from "../load/fast.js";

export interface LoadedSpec {
  /** The file as shown in outputs (relative to the working directory when inside it). */
  file: string;
  absPath: string;
  spec: Spec;
  /** Line of each step (its `- name:` entry), for reports and annotations. */
  stepLines: number[];
  /** env.* and secrets.* references (checked against the environment at run start). */
  envRefs: EnvRef[];
  /** The line:col of a JSON pointer in the file (for problems found at run start). */
  position(pointer: string): { line: number; col: number };
  /** The file each `include:` step runs, by step index (src/suite/include.ts). */
  includes?: Map<number, LoadedSpec>;
  /** Every name the spec captures, its includes' too (what a setup spec hands to the suite). */
  captures: string[];
}

/** Resolves includes while files are validated (src/suite/include.ts implements it). */
export interface IncludeResolver {
  /** The host for the steps of one file; the file counts as being visited while `fn` runs (cycles). */
  within<T>(absPath: string, fn: (host: IncludeHost) => T): T;
  /** The included files of a file, by step index, once it has been validated. */
  flowsOf(absPath: string): Map<number, LoadedSpec> | undefined;
}

export interface ValidateOptions {
  /** Names given with --var (and the suite's variables and setup captures): they count as defined variables. */
  vars?: Iterable<string>;
  cwd?: string;
  /** Resolves `include:` steps; without one, includes are not checked (and cannot run). */
  includes?: IncludeResolver;
}

export interface ValidationResult {
  ok: boolean;
  files: string[];
  diagnostics: Diagnostic[];
  specs: LoadedSpec[];
}

export interface TextValidation {
  diagnostics: Diagnostic[];
  source: Source;
  envRefs: EnvRef[];
  /** Line of each step (when the file is valid). */
  stepLines: number[];
  captures: string[];
}

/** Parse and validate one file's text. Valid files take the fast parser; everything else the `yaml` path. */
export function validateText(file: string, text: string, cliVars: ReadonlySet<string> = new Set(), includes?: IncludeHost): TextValidation {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const fast = fastParse(text);
  if (fast && validateSpecSchema(fast.data)) {
    const source = lazySource(file, text, fast.data);
    const semantic = semanticCheck(source, cliVars, includes);
    const steps = (fast.data as Spec).steps;
    if (semantic.diagnostics.length === 0 && steps.every((s) => fast.lineOf.has(s)))
      return { diagnostics: [], source, envRefs: semantic.envRefs, stepLines: steps.map((s) => fast.lineOf.get(s)!), captures: semantic.captures };
  }
  const { source, diagnostics } = parseSource(file, text);
  if (diagnostics.length) return { diagnostics, source, envRefs: [], stepLines: [], captures: [] };
  const schema = schemaDiagnostics(source, validateSpecSchema as never);
  const semantic = semanticCheck(source, cliVars, includes);
  const all = sortDiagnostics([...schema, ...semantic.diagnostics]);
  const stepLines = all.length ? [] : (source.data as Spec).steps.map((_, j) => locate(source, `/steps/${j}`).line);
  return { diagnostics: all, source, envRefs: semantic.envRefs, stepLines, captures: semantic.captures };
}

/** A valid file as the runner takes it. */
export function loadedSpec(file: string, absPath: string, r: TextValidation, includes?: Map<number, LoadedSpec>): LoadedSpec {
  const source = r.source;
  return {
    file, absPath, spec: source.data as Spec, stepLines: r.stepLines, envRefs: r.envRefs, position: (p) => locate(source, p),
    captures: r.captures, ...(includes?.size ? { includes } : {}),
  };
}

/** The file's text, or where its first invalid UTF-8 sequence is (a binary file, or another encoding). */
function decodeText(bytes: Buffer): string | { at: { line: number; col: number } } {
  const text = bytes.toString("utf8");
  if (!text.includes("\ufffd")) return text;
  // Each U+FFFD is either one written in the file (the bytes EF BF BD) or an undecodable sequence; up to
  // the first undecodable one, text offsets and byte offsets agree, so compare the bytes there.
  for (let i = text.indexOf("\ufffd"); i >= 0; i = text.indexOf("\ufffd", i + 1)) {
    const at = Buffer.byteLength(text.slice(0, i));
    if (!(bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd)) return { at: positionOf(text, i) };
  }
  return text;
}

/** Expand paths, parse and validate every file. Never throws for bad content; throws UsageError for missing paths. */
export async function validateFiles(paths: readonly string[], opts: ValidateOptions = {}): Promise<ValidationResult> {
  const cwd = opts.cwd ?? process.cwd();
  const absPaths = await expandPaths(paths, cwd);
  const cliVars = new Set(opts.vars ?? []);
  const texts = await Promise.all(absPaths.map((p) => readFile(p).then(decodeText, (e: Error) => e)));
  const diagnostics: Diagnostic[] = [];
  const specs: LoadedSpec[] = [];
  absPaths.forEach((absPath, i) => {
    const file = displayPath(absPath, cwd);
    const text = texts[i]!;
    if (text instanceof Error) {
      diagnostics.push({ file, line: 0, col: 0, message: `cannot read the file: ${fileProblem(text)}` });
      return;
    }
    if (typeof text === "object") {
      diagnostics.push({ file, ...text.at, message: "not a UTF-8 text file: invalid byte sequence" });
      return;
    }
    const r = opts.includes ? opts.includes.within(absPath, (host) => validateText(file, text, cliVars, host)) : validateText(file, text, cliVars);
    diagnostics.push(...r.diagnostics);
    if (r.diagnostics.length === 0) specs.push(loadedSpec(file, absPath, r, opts.includes?.flowsOf(absPath)));
  });
  return { ok: diagnostics.length === 0, files: absPaths.map((p) => displayPath(p, cwd)), diagnostics, specs };
}

