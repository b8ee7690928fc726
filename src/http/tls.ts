// TLS options of a request: `tls` on the request, else the spec's `defaults.tls`. Paths are relative to
// the spec file; the files are read once per run. `insecure: true` is honoured with a warning.
import { fileProblem } from "../errors.js";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { TlsOptions } from "../spec/types.js";
import type { TlsMaterial } from "./client.js";

export class TlsFiles {
  private readonly files = new Map<string, string>();
  private readonly warned = new Set<string>();
  constructor(private readonly warn: (message: string) => void) {}

  /** Load the (rendered) options of a request in the spec at `specPath` (shown as `shown`). Throws an Error with a readable message. */
  load(opts: TlsOptions, specPath: string, shown = specPath): TlsMaterial {
    const read = (what: string, p: string): string => {
      const abs = resolve(dirname(specPath), p);
      let text = this.files.get(abs);
      if (text === undefined) {
        try {
          text = readFileSync(abs, "utf8");
        } catch (e) {
          throw new Error(`tls.${what}: cannot read ${p}: ${fileProblem(e)}`);
        }
        this.files.set(abs, text);
      }
      return text;
    };
    if (opts.insecure && !this.warned.has(specPath)) {
      this.warned.add(specPath);
      this.warn(`warning: ${shown}: tls.insecure is set: server certificates are not verified`);
    }
    return {
      ...(opts.ca !== undefined ? { ca: read("ca", opts.ca) } : {}),
      ...(opts.cert !== undefined ? { cert: read("cert", opts.cert) } : {}),
      ...(opts.key !== undefined ? { key: read("key", opts.key) } : {}),
      ...(opts.passphrase !== undefined ? { passphrase: opts.passphrase } : {}),
      ...(opts.insecure ? { rejectUnauthorized: false } : {}),
    };
  }
}
