// Validate, at run start: what depends on the run's environment rather than on the files alone.
import type { Diagnostic } from "../errors.js";
import { ABSOLUTE_URL } from "../run/url.js";
import { envValue, type Env } from "../template/env.js";
import { refLabel } from "../template/template.js";
import type { LoadedSpec } from "./validate.js";

/**
 * Every env.* / secrets.* name must be set, and a relative url needs a baseUrl (the spec's or
 * --base-url). Problems are located in their files; any of them stops the run before a request.
 */
export function preflight(specs: readonly LoadedSpec[], env: Env, baseUrlOverride: boolean): Diagnostic[] {
  const problems: Diagnostic[] = [];
  for (const s of specs) {
    for (const { ref, position } of s.envRefs)
      // Own keys only: `env.constructor` or `secrets.toString` must not find Object.prototype's members.
      if (envValue(env, ref.name) === undefined)
        problems.push({ file: s.file, ...position(), message: `environment variable \`${ref.name}\` is not set (used as ${refLabel(ref)})` });
    if (baseUrlOverride || s.spec.baseUrl !== undefined) continue;
    s.spec.steps.forEach((step, i) => {
      if (!step.request && !step.oauth2) return; // an include step
      const [url, at] = step.request ? [step.request.url, "request/url"] : [step.oauth2!.tokenUrl, "oauth2/tokenUrl"];
      if (!ABSOLUTE_URL.test(url) && !url.startsWith("${{"))
        problems.push({ file: s.file, ...s.position(`/steps/${i}/${at}`), message: `relative url \`${url}\` needs a baseUrl: set \`baseUrl\` in the spec or pass --base-url` });
    });
  }
  return problems;
}
