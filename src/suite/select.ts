// Which specs a run takes: --shard i/n (a stable hash of the path), --grep, --tag, and `only: true`.
import { createHash } from "node:crypto";
import { relative } from "node:path";
import { UsageError } from "../errors.js";
import type { LoadedSpec } from "../validate/validate.js";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count || count > 10_000)
    throw new UsageError(`--shard expects i/n with 1 <= i <= n (such as 2/4), got ${JSON.stringify(text)}`);
  return { index, count };
}

/**
 * The shard (1..count) of a spec file: a hash of its path relative to the suite root, with `/` separators.
 * It depends on nothing but that path, so a file keeps its shard when others are added or removed, and
 * every machine of a CI matrix computes the same partition.
 */
export function shardOf(relPath: string, count: number): number {
  const h = createHash("sha256").update(relPath.split("\\").join("/")).digest();
  return (h.readUInt32BE(0) % count) + 1;
}

export interface Selection {
  shard?: Shard;
  /** --grep: a regular expression (case-insensitive) matched against the spec's name and its steps' names. */
  grep?: string;
  /** --tag: a spec is selected when it has at least one of them. */
  tags?: readonly string[];
  /** The suite root (shard hashes are of paths relative to it). */
  root: string;
}

export function grepPattern(text: string): RegExp {
  try {
    return new RegExp(text, "i");
  } catch (e) {
    throw new UsageError(`--grep: invalid regular expression ${JSON.stringify(text)}: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, "")}`);
  }
}

/** The specs the run takes, in input order. Specs left out are not run and not reported. */
export function selectSpecs(specs: readonly LoadedSpec[], sel: Selection): LoadedSpec[] {
  const grep = sel.grep !== undefined ? grepPattern(sel.grep) : undefined;
  const tags = sel.tags?.length ? new Set(sel.tags) : undefined;
  return specs.filter((s) => {
    if (sel.shard && shardOf(relative(sel.root, s.absPath), sel.shard.count) !== sel.shard.index) return false;
    if (tags && !(s.spec.tags ?? []).some((t) => tags.has(t))) return false;
    if (grep && !grep.test(s.spec.name) && !s.spec.steps.some((st) => st.name !== undefined && grep.test(st.name))) return false;
    return true;
  });
}

/** jest's .only: when a selected spec says `only: true`, the others are reported as skipped. */
export function onlyMode(specs: readonly LoadedSpec[]): boolean {
  return specs.some((s) => s.spec.only === true);
}
