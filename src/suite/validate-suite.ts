// Validate a whole suite: the config, the setup specs (their captures become known names), the specs
// given on the command line and the teardown specs, with every include resolved. Nothing is sent.
import { UsageError, sortDiagnostics, type Diagnostic } from "../errors.js";
import { validateFiles, type LoadedSpec, type ValidationResult } from "../validate/validate.js";
import { loadConfig, type SuiteConfig } from "./config.js";
import { Includes } from "./include.js";

export interface SuiteValidateOptions {
  /** Names given with --var. */
  vars?: Iterable<string>;
  cwd?: string;
  /** --config FILE (default: authspec.config.yaml in cwd, when there is one). */
  config?: string;
  /** --env NAME: an environment of the config. */
  envName?: string;
}

export interface SuiteValidation extends ValidationResult {
  config: SuiteConfig;
  setup: LoadedSpec[];
  teardown: LoadedSpec[];
  /** Every included file (loaded), for the run-start checks. */
  flows: LoadedSpec[];
}

const key = (d: Diagnostic) => `${d.file}:${d.line}:${d.col}:${d.message}`;

export async function validateSuite(paths: readonly string[], opts: SuiteValidateOptions = {}): Promise<SuiteValidation> {
  const cwd = opts.cwd ?? process.cwd();
  const cliVars = new Set(opts.vars ?? []);
  const { config, diagnostics } = loadConfig({ cwd, configPath: opts.config, envName: opts.envName, vars: cliVars });
  const suiteNames = new Set([...cliVars, ...Object.keys(config.variables)]);
  const includes = new Includes(config.root, cwd, suiteNames);
  const files: string[] = [];
  const step = async (list: readonly string[], known: ReadonlySet<string>) => {
    if (list.length === 0) return [];
    includes.known = known;
    const r = await validateFiles(list, { vars: known, cwd, includes });
    diagnostics.push(...r.diagnostics);
    files.push(...r.files);
    return r.specs;
  };
  // Setup specs in order: each one may use the captures of the ones before it.
  const setup: LoadedSpec[] = [];
  const known = new Set(suiteNames);
  for (const p of config.setup) {
    for (const s of await step([p], known)) {
      setup.push(s);
      s.captures.forEach((c) => known.add(c));
    }
  }
  diagnostics.push(...config.checkDefaults(known));
  const special = new Set([...config.setup, ...config.teardown]);
  let specs: LoadedSpec[] = [];
  try {
    specs = (await step(paths, known)).filter((s) => !special.has(s.absPath));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    diagnostics.push(e.diagnostic());
  }
  const teardown = await step(config.teardown, known);
  // A file another one includes is a flow, not a spec of its own (a folder of specs may hold its flows).
  const flowPaths = new Set(includes.paths);
  specs = specs.filter((s) => !flowPaths.has(s.absPath));
  const seen = new Set<string>();
  const unique = sortDiagnostics([...diagnostics, ...includes.diagnostics].filter((d) => !seen.has(key(d)) && seen.add(key(d))));
  const flowFiles = new Set(includes.loaded.map((f) => f.file));
  return {
    ok: unique.length === 0, files: [...new Set(files)].filter((f) => !flowFiles.has(f)),
    diagnostics: unique, specs, setup, teardown, flows: includes.loaded, config,
  };
}
