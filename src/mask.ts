// Masking: one mechanism for every sink. Secret values are registered as they appear (secrets.*,
// captures, credential headers); every string that leaves authspec (console, verbose log, reports,
// error messages) passes through Redactor.redact() on its way out.

export const MASK = "***";
/** Headers whose values are always secret, in requests and responses. */
export const SECRET_HEADERS = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie"]);

/** JSON fields whose string values are credentials wherever they appear in a response body. */
export const SECRET_FIELDS = new Set(["access_token", "refresh_token", "id_token", "token", "client_secret", "password"]);
/** A quick test for a SECRET_FIELDS key in JSON text, so bodies without one are never walked. */
const SECRET_FIELD_HINT = new RegExp(`"(?:${[...SECRET_FIELDS].join("|")})"`);

export class Redactor {
  /** Secret values as registered; their encoded forms are derived when the pattern is (re)built. */
  private secrets = new Set<string>();
  private pattern: RegExp | null = null;

  /**
   * Register a secret value; its encoded forms (URL-encoded, JSON-escaped, base64) are masked too.
   * `minLength` skips short values (captures: a captured id `1` would otherwise hide every digit 1).
   * Cheap on the request path: the work happens once, at the first redact() after new secrets.
   */
  add(value: unknown, minLength = 1): void {
    if (value === null || value === undefined || typeof value === "boolean") return;
    const text = typeof value === "string" ? value : typeof value === "number" ? String(value) : JSON.stringify(value);
    if (typeof text !== "string" || text.length < Math.max(1, minLength) || this.secrets.has(text)) return;
    this.secrets.add(text);
    this.pattern = null;
  }

  /** Register the value of a credential header (see SECRET_HEADERS). */
  addHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (lower === "cookie" || lower === "set-cookie") {
      // Cookie: every pair's value; Set-Cookie: the first pair only (the rest are attributes such as Path=/).
      this.add(value);
      const pairs = lower === "cookie" ? value.split(/;\s*/) : [value.split(";")[0] ?? ""];
      for (const pair of pairs) {
        const eq = pair.indexOf("=");
        if (eq > 0) this.add(pair.slice(eq + 1).trim());
      }
      return;
    }
    // "Scheme credentials": masking the credentials masks every value that contains them.
    const m = /^\s*([A-Za-z][\w-]*)\s+(\S.*)$/.exec(value);
    if (!m) return this.add(value);
    this.add(m[2]);
    if (m[1]!.toLowerCase() === "basic") {
      const decoded = Buffer.from(m[2]!, "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) this.add(decoded.slice(colon + 1));
    }
  }

  /**
   * Register the values of credential fields (SECRET_FIELDS) found in a JSON body, at any depth, so an
   * access token that no step captures is still masked. `json` parses the body only when a field name occurs.
   */
  addSecretFields(text: string, json: () => unknown): void {
    if (!SECRET_FIELD_HINT.test(text)) return;
    const walk = (v: unknown, depth: number): void => {
      if (depth > 32 || v === null || typeof v !== "object") return;
      if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1));
      for (const [k, x] of Object.entries(v)) {
        if (typeof x === "string" && SECRET_FIELDS.has(k)) this.add(x, 4);
        else walk(x, depth + 1);
      }
    };
    walk(json(), 0);
  }

  get size(): number {
    return this.secrets.size;
  }

  redact(text: string): string {
    if (this.secrets.size === 0 || text.length === 0) return text;
    if (!this.pattern) {
      const forms = new Set<string>();
      for (const t of this.secrets)
        for (const f of encodedForms(t)) forms.add(f);
      // Longest first, so a secret that contains another is masked whole.
      const alts = [...forms].sort((a, b) => b.length - a.length).map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      this.pattern = new RegExp(alts.join("|"), "g");
    }
    return text.replace(this.pattern, MASK);
  }

  /**
   * Redact every string value inside a JSON-like value (for structured reports, before they are
   * serialized: redacting the serialized text would also mask markup and keys). Keys are kept, and so
   * are the string values under `keep` (an output's own vocabulary, such as `status: passed`).
   */
  redactDeep<T>(value: T, keep: ReadonlySet<string> = new Set()): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.redactDeep(v, keep)) as T;
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = typeof v === "string" && keep.has(k) ? v : this.redactDeep(v, keep);
      return out as T;
    }
    return value;
  }
}

/**
 * The forms a secret takes on the wire and in outputs: as is, URL-encoded (encodeURIComponent, and
 * application/x-www-form-urlencoded, which also encodes !'()~ and writes a space as +), JSON-escaped,
 * base64 and base64url.
 */
function encodedForms(t: string): string[] {
  const b64 = Buffer.from(t).toString("base64");
  return [t, encodeURIComponent(t), new URLSearchParams([["", t]]).toString().slice(1), JSON.stringify(t).slice(1, -1), b64, Buffer.from(t).toString("base64url"), b64.replace(/=+$/, "")];
}
