// Secret values a response brings, registered with the Redactor BEFORE any expectation is checked: the
// value a step captures (unless `secret: false`) and the token of its `expect.jwt`. A failing matcher shows
// the value it got, cut to a length; a secret that is first registered after the message was cut would
// no longer be recognised in that cut message, and its first part would be shown.
import type { Redactor } from "../mask.js";
import type { Capture, JwtExpect } from "../spec/types.js";
import { readCapture, type ResponseView } from "./check.js";
import { jwtToken } from "./jwt.js";

/** Returns the values of the secret captures it read, so the step does not read them again. */
export function registerSecretValues(
  view: ResponseView,
  captures: Readonly<Record<string, Capture>> | undefined,
  jwt: JwtExpect | undefined,
  redactor: Redactor,
): Map<string, { value: unknown }> {
  const read = new Map<string, { value: unknown }>();
  for (const [name, capture] of Object.entries(captures ?? {})) {
    if (typeof capture !== "string" && capture.secret === false) continue;
    const got = readCapture(view, name, capture);
    if ("kind" in got) continue; // read again by the step, with its failure message masked
    redactor.add(got.value, 4);
    read.set(name, got);
  }
  if (jwt) {
    const t = jwtToken(view, jwt.token);
    if ("token" in t) redactor.add(t.token, 4); // else checkJwt fails the step, with the reason
  }
  return read;
}
