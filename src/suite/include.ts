// Includes: `include: ./flows/login.yaml` runs another spec file's steps in place. Resolved while files are
// validated, so a missing file, a path that leaves the suite root and a cycle are validation errors located
// at the `include:` that causes them, and the runner gets each included file already loaded.
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileProblem, type Diagnostic } from "../errors.js";
import { displayPath } from "../load/files.js";
import type { IncludeHost } from "../validate/semantic.js";
import { loadedSpec, validateText, type IncludeResolver, type LoadedSpec } from "../validate/validate.js";

interface Flow {
  loaded?: LoadedSpec;
  captures: readonly string[];
  variables: readonly string[];
}

export class Includes implements IncludeResolver {
  /** Included files, by absolute path: validated once each. */
  private readonly flows = new Map<string, Flow>();
  /** Which file each include step of a file runs: includer -> step index -> included file. */
  private readonly edges = new Map<string, Map<number, string>>();
  /** The files being validated, outermost first (a file met again on this path closes a cycle). */
  private readonly stack: string[] = [];
  /** Problems found in included files (each file once). */
  readonly diagnostics: Diagnostic[] = [];

  /**
   * @param root the suite root: includes must stay inside it
   * @param known names every included file may use (--var, config variables, setup captures)
   */
  constructor(
    private readonly root: string,
    private readonly cwd: string,
    public known: ReadonlySet<string>,
  ) {}

  within<T>(absPath: string, fn: (host: IncludeHost) => T): T {
    this.stack.push(absPath);
    try {
      return fn({ resolve: (stepIndex, target) => this.resolve(absPath, stepIndex, target) });
    } finally {
      this.stack.pop();
    }
  }

  flowsOf(absPath: string): Map<number, LoadedSpec> | undefined {
    const edges = this.edges.get(absPath);
    if (!edges) return undefined;
    const out = new Map<number, LoadedSpec>();
    for (const [i, target] of edges) {
      const loaded = this.flows.get(target)?.loaded;
      if (loaded) out.set(i, loaded);
    }
    return out;
  }

  /** Absolute paths of every included file (they are not run on their own). */
  get paths(): string[] {
    return [...this.flows.keys()];
  }

  /** Every included file that loaded (for the run-start checks of their env.* references). */
  get loaded(): LoadedSpec[] {
    return [...this.flows.values()].flatMap((f) => (f.loaded ? [f.loaded] : []));
  }

  private resolve(from: string, stepIndex: number, target: string): ReturnType<IncludeHost["resolve"]> {
    const abs = resolve(dirname(from), target);
    const show = (p: string) => displayPath(p, this.cwd);
    const rel = relative(this.root, abs);
    if (rel === "" || rel.startsWith("..") || isAbsolute(rel))
      return { problem: `include \`${target}\` resolves to ${show(abs)}, outside the suite root (${show(this.root)}): an included file must be inside it` };
    const at = this.stack.indexOf(abs);
    if (at >= 0) return { problem: `include cycle: ${[...this.stack.slice(at), abs].map(show).join(" → ")}` };
    let flow = this.flows.get(abs);
    if (!flow) {
      let text: string;
      try {
        text = readFileSync(abs, "utf8");
      } catch (e) {
        return { problem: `cannot read the included file ${show(abs)}: ${fileProblem(e)}` };
      }
      const file = show(abs);
      const r = this.within(abs, (host) => validateText(file, text, this.known, host));
      this.diagnostics.push(...r.diagnostics);
      const data = r.source.data as { variables?: unknown } | undefined;
      const variables = data && typeof data.variables === "object" && data.variables !== null ? Object.keys(data.variables) : [];
      flow = { captures: r.captures, variables, ...(r.diagnostics.length ? {} : { loaded: loadedSpec(file, abs, r, this.flowsOf(abs)) }) };
      this.flows.set(abs, flow);
    }
    let edges = this.edges.get(from);
    if (!edges) this.edges.set(from, (edges = new Map()));
    edges.set(stepIndex, abs);
    return { captures: flow.captures, variables: flow.variables };
  }
}
