// Cookies: one tough-cookie jar per spec run (RFC 6265 domain, path, expiry and Secure rules), handed to
// got, which sends and stores cookies on every request and redirect. Cookie values are secrets: every
// value the jar holds is registered with the run's Redactor after each exchange.
import { CookieJar } from "tough-cookie";
import type { Redactor } from "../mask.js";

export function newJar(): CookieJar {
  return new CookieJar();
}

/** Register the value of every cookie in the jar (also those set by redirect responses). */
export function registerJarSecrets(jar: CookieJar, redactor: Redactor): void {
  for (const c of jar.serializeSync()?.cookies ?? []) if (typeof c.value === "string") redactor.add(c.value, 4);
}
