// The one lookup of an env.* / secrets.* name: own keys only (`env.toString` or `secrets.constructor` must
// not find Object.prototype's members), and only string values. Used by the run-start checks and the scopes.

export type Env = Readonly<Record<string, string | undefined>>;

/** The value of environment variable `name`, or undefined when it is not set. */
export function envValue(env: Env, name: string): string | undefined {
  const v = Object.hasOwn(env, name) ? env[name] : undefined;
  return typeof v === "string" ? v : undefined;
}
