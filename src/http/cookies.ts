// Cookies: one tough-cookie jar per spec run (RFC 6265 domain, path, expiry and Secure rules), handed to
// got, which sends and stores cookies on every request and redirect. Cookie values are secrets: every
// value the jar holds is registered with the run's Redactor after each exchange.
// tough-cookie is loaded when the first spec runs (not for `authspec validate`).
import type { CookieJar } from "tough-cookie";
import type { Redactor } from "../mask.js";

let lib: Promise<typeof import("tough-cookie")> | undefined;
export const toughCookie = () => (lib ??= import("tough-cookie"));

export async function newJar(): Promise<CookieJar> {
  return new (await toughCookie()).CookieJar();
}

/** Register the value of every cookie in the jar (also those set by redirect responses). */
export function registerJarSecrets(jar: CookieJar, redactor: Redactor): void {
  for (const c of jar.serializeSync()?.cookies ?? []) if (typeof c.value === "string") redactor.add(c.value, 4);
}
