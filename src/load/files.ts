// Load: expand the paths given on the command line into spec files (files, directories, globs).
import { readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { UsageError } from "../errors.js";

const SPEC_FILE = /\.ya?ml$/i;
const GLOB_CHARS = /[*?[\]{}]/;

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile() && SPEC_FILE.test(e.name)) out.push(p);
  }
}

/**
 * Files: taken as given. Directories: every *.yaml / *.yml below, in sorted order. Globs: matched
 * with tinyglobby, sorted. Returns absolute paths, each once, in the order the arguments give them.
 */
export async function expandPaths(paths: readonly string[], cwd = process.cwd()): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (p: string) => {
    const abs = resolve(cwd, p);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push(abs);
    }
  };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let st;
    try {
      st = statSync(abs);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      const found: string[] = [];
      walk(abs, found);
      if (found.length === 0) throw new UsageError(`no spec files (*.yaml, *.yml) in ${p}`);
      found.forEach(push);
    } else if (st) {
      push(abs);
    } else if (GLOB_CHARS.test(p)) {
      const { glob } = await import("tinyglobby");
      const found = (await glob(p, { cwd, absolute: true, onlyFiles: true, ignore: ["**/node_modules/**"] })).sort();
      if (found.length === 0) throw new UsageError(`no files match ${p}`);
      found.forEach(push);
    } else {
      throw new UsageError(`no such file or directory: ${p}`);
    }
  }
  return out;
}

/** The name a file is shown under: relative to the working directory when inside it (the directory itself is `.`). */
export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = relative(cwd, abs);
  if (rel === "") return ".";
  return rel && !rel.startsWith("..") ? rel.split("\\").join("/") : abs;
}
