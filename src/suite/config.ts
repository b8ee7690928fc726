// Suite config: authspec.config.yaml (or --config FILE), described by schemas/config.schema.json. It goes
// through the same located-diagnostic path as a spec: YAML with positions, the precompiled schema
// validator, then the template checks, each problem as file:line:col.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileProblem, type Diagnostic } from "../errors.js";
import { displayPath } from "../load/files.js";
import { locate, parseSource, pointer } from "../load/source.js";
import type { Auth, Defaults, SuiteConfigFile } from "../spec/types.js";
import { envValue, type Env } from "../template/env.js";
import { refLabel } from "../template/template.js";
import { schemaDiagnostics } from "../validate/schema.js";
import type { EnvRef } from "../validate/semantic.js";
import { closest } from "../validate/suggest.js";
import { checkTemplates as checkTemplatesIn } from "../validate/template-check.js";
import validateConfigSchema from "../generated/validate-config.js";

export const CONFIG_FILE = "authspec.config.yaml";

export interface SuiteConfig {
  /** The config file as shown in outputs; undefined when there is none. */
  file?: string;
  /** The suite root (the config's folder, else the working directory): includes stay inside it. */
  root: string;
  baseUrl?: string;
  /** Config variables, then the chosen environment's over them (not rendered yet: values may use templates). */
  variables: Record<string, unknown>;
  defaults?: Defaults;
  /** Authentication for specs that set none. */
  auth?: Auth;
  /** The config file's absolute path (its `defaults.tls` paths are relative to it). */
  absPath?: string;
  /** Absolute paths. */
  setup: string[];
  teardown: string[];
  jobs?: number;
  envRefs: EnvRef[];
  /** Check the templates of `defaults` and `auth` once the setup captures are known. */
  checkDefaults(known: ReadonlySet<string>): Diagnostic[];
}

export interface ConfigOptions {
  cwd: string;
  /** --config FILE */
  configPath?: string;
  /** --env NAME */
  envName?: string;
  /** --var names. */
  vars: ReadonlySet<string>;
}

const q = (s: unknown) => "`" + String(s) + "`";
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Find, parse and check the suite config. No config file: an empty config rooted at the working directory. */
export function loadConfig(opts: ConfigOptions): { config: SuiteConfig; diagnostics: Diagnostic[] } {
  const { cwd } = opts;
  const empty = (root: string): SuiteConfig => ({ root, variables: {}, setup: [], teardown: [], envRefs: [], checkDefaults: () => [] });
  const abs = opts.configPath !== undefined ? resolve(cwd, opts.configPath) : resolve(cwd, CONFIG_FILE);
  if (opts.configPath === undefined && !existsSync(abs)) {
    if (opts.envName === undefined) return { config: empty(cwd), diagnostics: [] };
    return { config: empty(cwd), diagnostics: [{ file: "authspec", line: 0, col: 0, message: `--env ${opts.envName}: environments are defined in ${CONFIG_FILE}, and there is none in ${displayPath(cwd, cwd)}` }] };
  }
  const file = displayPath(abs, cwd);
  const root = dirname(abs);
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (e) {
    return { config: empty(root), diagnostics: [{ file, line: 0, col: 0, message: `cannot read the config file: ${fileProblem(e)}` }] };
  }
  const parsed = parseSource(file, text);
  // An empty config file is an empty config (parseSource's "empty file" message is about specs).
  const diagnostics = parsed.diagnostics.filter((d) => !d.message.startsWith("the file is empty"));
  const source = parsed.source;
  if (diagnostics.length) return { config: empty(root), diagnostics };
  source.data ??= {};
  diagnostics.push(...schemaDiagnostics(source, validateConfigSchema as never));
  if (!isObj(source.data)) return { config: empty(root), diagnostics };
  const data = source.data as SuiteConfigFile;

  const envRefs: EnvRef[] = [];
  const checkTemplates = (value: unknown, segs: (string | number)[], known: ReadonlySet<string>, out: Diagnostic[]) =>
    checkTemplatesIn(value, segs, known, {
      problem: (at, message) => out.push({ file, ...locate(source, pointer(at)), path: pointer(at), message }),
      envRef: (ref, at) => envRefs.push({ ref, position: () => locate(source, pointer(at)) }),
    }, (ref, didYouMean) => `unknown variable ${q(refLabel(ref))}: not defined by an earlier config variable, --var, or a capture of a setup spec${didYouMean}`);

  // Variables are defined in order: the top-level ones, then the environment's (which may use them all). An
  // environment's variable that overrides a top-level one moves to its place among the environment's.
  const known = new Set(opts.vars);
  const variables: Record<string, unknown> = {};
  const defineAll = (vars: unknown, segs: (string | number)[]) => {
    if (!isObj(vars)) return;
    for (const [name, value] of Object.entries(vars)) {
      checkTemplates(value, [...segs, name], known, diagnostics);
      known.add(name);
      delete variables[name];
      variables[name] = value;
    }
  };
  defineAll(data.variables, ["variables"]);
  let baseUrl = data.baseUrl;
  if (opts.envName !== undefined) {
    const envs = isObj(data.environments) ? data.environments : {};
    const env = envs[opts.envName];
    if (!isObj(env)) {
      const names = Object.keys(envs);
      const guess = closest(opts.envName, names);
      diagnostics.push({
        file, ...locate(source, isObj(data.environments) ? "/environments" : "", { atKey: isObj(data.environments) }),
        message: `--env ${opts.envName}: no such environment${guess ? `; did you mean ${q(guess)}?` : ""} (${names.length ? `defined: ${names.join(", ")}` : "the config defines no `environments`"})`,
      });
    } else {
      defineAll(env.variables, ["environments", opts.envName, "variables"]);
      if (typeof env.baseUrl === "string") baseUrl = env.baseUrl;
    }
  }
  checkTemplates(data.baseUrl, ["baseUrl"], known, diagnostics);
  if (opts.envName !== undefined && isObj(data.environments?.[opts.envName]))
    checkTemplates(data.environments[opts.envName]!.baseUrl, ["environments", opts.envName, "baseUrl"], known, diagnostics);
  // Setup and teardown files are relative to the config file; a missing one is located at its entry.
  const paths = (list: unknown, key: "setup" | "teardown") => {
    if (!Array.isArray(list)) return [];
    const out: string[] = [];
    list.forEach((p, i) => {
      if (typeof p !== "string") return;
      const abs = resolve(root, p);
      if (existsSync(abs)) out.push(abs);
      else diagnostics.push({ file, ...locate(source, `/${key}/${i}`), path: `/${key}/${i}`, message: `${key} file ${q(p)} not found (${displayPath(abs, cwd)}; paths are relative to the config file)` });
    });
    return out;
  };
  const config: SuiteConfig = {
    file, absPath: abs, root, ...(baseUrl !== undefined ? { baseUrl } : {}), variables,
    ...(isObj(data.defaults) ? { defaults: data.defaults } : {}),
    ...(isObj(data.auth) ? { auth: data.auth } : {}),
    setup: paths(data.setup, "setup"), teardown: paths(data.teardown, "teardown"), ...(typeof data.jobs === "number" ? { jobs: data.jobs } : {}),
    envRefs,
    checkDefaults: (names) => {
      const out: Diagnostic[] = [];
      const all = new Set([...known, ...names]);
      checkTemplates(data.defaults, ["defaults"], all, out);
      checkTemplates(data.auth, ["auth"], all, out);
      return out;
    },
  };
  return { config, diagnostics };
}

/** The config's own run-start check: every env.* / secrets.* it names must be set. */
export function configPreflight(config: SuiteConfig, env: Env): Diagnostic[] {
  return config.envRefs
    .filter(({ ref }) => envValue(env, ref.name) === undefined)
    .map(({ ref, position }) => ({ file: config.file ?? "authspec", ...position(), message: `environment variable \`${ref.name}\` is not set (used as ${refLabel(ref)})` }));
}

