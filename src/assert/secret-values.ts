// Secret values a response brings, registered with the Redactor BEFORE any expectation is checked: the
// value a step captures (unless `secret: false`) and the token of its `expect.jwt`. A failing matcher shows
// the value it got, cut to a length; a secret that is first registered after the message was cut would
// no longer be recognised in that cut message, and its first part would be shown.
import type { Redactor } from "../mask.js";
import type { Capture, JwtExpect } from "../spec/types.js";
import { readCapture, type ResponseView } from "./check.js";
import { select } from "./jsonpath.js";

export function registerSecretValues(
  view: ResponseView,
  captures: Readonly<Record<string, Capture>> | undefined,
  jwt: JwtExpect | undefined,
  redactor: Redactor,
): void {
  for (const [name, capture] of Object.entries(captures ?? {})) {
    if (typeof capture !== "string" && capture.secret === false) continue;
    const got = readCapture(view, name, capture);
    if (!("kind" in got)) redactor.add(got.value, 4);
  }
  if (jwt && jwt.token.startsWith("$") && !jwt.token.startsWith("${{")) {
    const json = view.json();
    if (!json.ok) return;
    try {
      const s = select(json.value, jwt.token);
      if (s.exists && typeof s.value === "string") redactor.add(s.value, 4);
    } catch {
      // An invalid path fails in checkJwt, with its message.
    }
  }
}
