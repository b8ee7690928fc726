// Errors are values that carry a location. They are rendered once, by the reporters or the CLI.

export interface Diagnostic {
  file: string;
  /** 1-based line and column; 0 when the problem concerns the file as a whole. */
  line: number;
  col: number;
  /** JSON pointer of the offending value inside the file, when there is one. */
  path?: string;
  message: string;
}

/** "file:line:col" and "message (at /json/path)": the two halves of a rendered diagnostic. */
export function diagnosticParts(d: Diagnostic): { where: string; what: string } {
  return { where: d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file, what: `${d.message}${d.path ? ` (at ${d.path})` : ""}` };
}

export function formatDiagnostic(d: Diagnostic): string {
  const { where, what } = diagnosticParts(d);
  return `${where}: ${what}`;
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return ds.sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : a.file < b.file ? -1 : 1));
}

/** Wrong usage of the CLI or library (bad option, missing file, missing environment variable): exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }

  /** As a diagnostic of the run (no file position: it concerns the invocation). */
  diagnostic(): Diagnostic {
    return { file: "authspec", line: 0, col: 0, message: this.message };
  }
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const FILE_CODES: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EEXIST: "a file is in the way of a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
};

/** Why a file could not be read or written, in words, with the system's code: "no such file (ENOENT)". */
export function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === undefined) return (e as Error)?.message ?? String(e);
  return FILE_CODES[code] ? `${FILE_CODES[code]} (${code})` : code;
}
