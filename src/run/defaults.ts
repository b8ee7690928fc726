// Request defaults (the suite config's, then the spec's): headers a request does not set itself.
import type { Defaults } from "../spec/types.js";
import { renderText, TemplateError, type Scope } from "../template/template.js";

/**
 * Render default headers into `into` (lower-case names). A default header that names a variable not
 * defined yet is left out: `Authorization: Bearer ${{ token }}` with a token captured by a setup spec is
 * not sent by the setup's own login. (Validation has checked that the suite can define the name.)
 */
export function defaultHeaders(into: Record<string, string>, defaults: Defaults | undefined, scope: Scope): void {
  for (const [k, v] of Object.entries(defaults?.headers ?? {})) {
    try {
      into[k.toLowerCase()] = renderText(String(v), scope);
    } catch (e) {
      if (!(e instanceof TemplateError && e.ref.kind === "var")) throw e;
    }
  }
}
