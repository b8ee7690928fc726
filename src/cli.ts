#!/usr/bin/env -S node --
// (The `--` stops Node 20 from reading our --env-file argument as its own option: nodejs/node#54232.)
// The CLI: a thin shell over the library API (src/api.ts). It parses arguments, builds reporters,
// and maps results to exit codes: 0 passed, 1 a step failed, 2 invalid specs or wrong usage.
// Modules are imported per command, so `--version` and `validate` never load got.
import { parseArgs } from "node:util";
import { VERSION } from "./version.js";

const HELP = `authspec ${VERSION}: declarative tests for authenticated HTTP APIs

Usage:
  authspec run [paths...]       validate, then run specs (files, directories, globs; default specs/)
  authspec validate [paths...]  only validate (exit 0 or 2); nothing is sent

Options (run; validate takes --config, --env and --var):
  --base-url URL         override every spec's baseUrl
  --var NAME=VALUE       define a variable (repeatable; overrides spec variables)
  --env-file FILE        KEY=VALUE lines, visible as env.KEY and secrets.KEY (repeatable)
  --timeout MS           default timeout of every request (default 10000)
  --config FILE          suite config (default: ./authspec.config.yaml when there is one)
  --env NAME             an environment of the config (its baseUrl and variables)
  --jobs N, -j N         spec files run at once (default: the config's jobs, else the CPU count)
  --shard I/N            run the I-th of N shards of the spec files (stable hash of each path)
  --grep PATTERN         only specs whose name or a step's name matches (regex, case-insensitive)
  --tag NAME             only specs with this tag (repeatable: any of them)
  --max-response-size N  largest response body accepted, in bytes (default 10485760 = 10 MB)
  --bail                 start no further spec after the first failed one (running ones finish)
  --verbose, -v          show every step and each request and response (secrets masked)
  --reporter NAME[:FILE] console (default), json, junit or github; repeatable, each with its own output
                         (github: on by default when GITHUB_ACTIONS=true)
  --output FILE          write the last --reporter without a FILE there
  --no-color             no colours (NO_COLOR and FORCE_COLOR are honoured too)
  --version              print the version
  --help, -h             this help

Exit codes: 0 every step passed, 1 at least one step failed, 2 invalid specs or wrong usage,
3 internal error, 130/143 interrupted by Ctrl-C/SIGTERM (the reports are still written).
`;

class CliUsage extends Error {}

// A reader that goes away (`authspec run | head`) must not end the run with a stack trace: the rest of
// the output is dropped, and the run completes (report files, exit code) as usual.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.stdout.write = (() => true) as typeof process.stdout.write;
});

/** The run's masking, once a run has started: the last-resort error message goes through it too. */
let redact = (text: string): string => text;

type ReporterName = "console" | "json" | "junit" | "github";
const REPORTERS: readonly string[] = ["console", "json", "junit", "github"];
interface ReporterChoice {
  name: ReporterName;
  file?: string;
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      "base-url": { type: "string" },
      var: { type: "string", multiple: true },
      "env-file": { type: "string", multiple: true },
      timeout: { type: "string" },
      "max-response-size": { type: "string" },
      bail: { type: "boolean" },
      config: { type: "string" },
      env: { type: "string" },
      jobs: { type: "string", short: "j" },
      shard: { type: "string" },
      grep: { type: "string" },
      tag: { type: "string", multiple: true },
      verbose: { type: "boolean", short: "v" },
      reporter: { type: "string", multiple: true },
      output: { type: "string", short: "o" },
      "no-color": { type: "boolean" },
      version: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  return { values, positionals };
}

function parseVars(list: string[] = []): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    const name = eq > 0 ? item.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new CliUsage(`--var expects NAME=VALUE, got ${JSON.stringify(item)}`);
    vars[name] = item.slice(eq + 1);
  }
  return vars;
}

function parseReporters(list: string[] = [], output?: string, githubActions = false): ReporterChoice[] {
  const given = list.length ? list : ["console"];
  // On GitHub Actions, annotations and the step summary come with every run, unless a json or junit
  // report goes to stdout (workflow commands would corrupt it).
  const documentToStdout = given.some((r) => r === "json" || r === "junit") && output === undefined;
  if (githubActions && !documentToStdout && !given.some((r) => r === "github" || r.startsWith("github:"))) given.push("github");
  const choices: ReporterChoice[] = given.map((r) => {
    const colon = r.indexOf(":");
    const name = colon >= 0 ? r.slice(0, colon) : r;
    if (!REPORTERS.includes(name)) throw new CliUsage(`unknown reporter ${JSON.stringify(name)}: use console, json, junit or github`);
    const file = colon >= 0 ? r.slice(colon + 1) : undefined;
    if (file === "") throw new CliUsage(`--reporter ${name}: empty file name`);
    return { name: name as ReporterName, file };
  });
  if (output !== undefined) {
    const target = [...choices].reverse().find((c) => c.file === undefined && c.name !== "github");
    if (!target) throw new CliUsage("--output: every --reporter already names its file");
    target.file = output;
  }
  // github's workflow commands belong in the log, beside whichever report goes to stdout.
  const toStdout = choices.filter((c) => c.file === undefined && c.name !== "github");
  if (toStdout.length > 1) throw new CliUsage(`${toStdout.map((c) => c.name).join(" and ")} would both write to stdout: give one a file (--reporter NAME:FILE or --output FILE)`);
  return choices;
}

async function colorLevel(noColor: boolean): Promise<0 | 1 | 2 | 3> {
  const { default: chalk } = await import("chalk");
  const env = process.env;
  if (noColor) return 0;
  if (env.NO_COLOR && !env.FORCE_COLOR) return 0;
  return chalk.level;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "--version" || cmd === "-V") {
    process.stdout.write(VERSION + "\n");
    return 0;
  }
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
    process.stdout.write(HELP);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd !== "run" && cmd !== "validate") throw new CliUsage(`unknown command ${JSON.stringify(cmd)}`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest);
  } catch (e) {
    throw new CliUsage((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(VERSION + "\n");
    return 0;
  }
  const paths = positionals.length ? positionals : ["specs"];
  const vars = parseVars(values.var);
  const { Chalk } = await import("chalk");
  const c = new Chalk({ level: await colorLevel(values["no-color"] === true) });

  if (cmd === "validate") {
    const { validate } = await import("./api.js");
    const { diagnosticParts } = await import("./errors.js");
    const result = await validate(paths, { vars: Object.keys(vars), config: values.config, envName: values.env });
    for (const d of result.diagnostics) {
      const { where, what } = diagnosticParts(d);
      process.stdout.write(`${c.bold(where)}: ${c.red("error")} ${what}\n`);
    }
    if (result.ok) process.stdout.write(c.green(`${result.files.length} file${result.files.length === 1 ? "" : "s"} valid\n`));
    else {
      const files = new Set(result.diagnostics.map((d) => d.file)).size;
      process.stdout.write(c.red(`\n${result.diagnostics.length} problem${result.diagnostics.length === 1 ? "" : "s"} in ${files} file${files === 1 ? "" : "s"}\n`));
    }
    return result.ok ? 0 : 2;
  }

  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    timeoutMs = Number(values.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new CliUsage(`--timeout expects a positive number of milliseconds, got ${JSON.stringify(values.timeout)}`);
  }
  let jobs: number | undefined;
  if (values.jobs !== undefined) {
    jobs = Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new CliUsage(`--jobs expects a whole number from 1 to 256, got ${JSON.stringify(values.jobs)}`);
  }
  const select = await import("./suite/select.js");
  const check = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      throw new CliUsage((e as Error).message);
    }
  };
  const shard = values.shard !== undefined ? check(() => select.parseShard(values.shard!)) : undefined;
  if (values.grep !== undefined) check(() => select.grepPattern(values.grep!));
  const choices = parseReporters(values.reporter, values.output, process.env.GITHUB_ACTIONS === "true");
  let maxResponseSize: number | undefined;
  if (values["max-response-size"] !== undefined) {
    maxResponseSize = Number(values["max-response-size"]);
    if (!Number.isSafeInteger(maxResponseSize) || maxResponseSize <= 0)
      throw new CliUsage(`--max-response-size expects a positive number of bytes, got ${JSON.stringify(values["max-response-size"])}`);
  }
  const [{ run }, { Redactor }, { Output }] = await Promise.all([import("./api.js"), import("./mask.js"), import("./report/reporter.js")]);
  const redactor = new Redactor();
  redact = (text) => redactor.redact(text);
  const reporters = await Promise.all(
    choices.map(async (ch) => {
      const out = new Output(redactor, ch.file);
      if (ch.name === "json") return new (await import("./report/json.js")).JsonReporter(out, VERSION);
      if (ch.name === "junit") return new (await import("./report/junit.js")).JUnitReporter(out);
      if (ch.name === "github") {
        const summaryFile = process.env.GITHUB_STEP_SUMMARY;
        return new (await import("./report/github.js")).GithubReporter(out, summaryFile ? new Output(redactor, summaryFile) : undefined);
      }
      const cc = ch.file ? new Chalk({ level: 0 }) : c;
      return new (await import("./report/console.js")).ConsoleReporter(out, cc, { verbose: values.verbose === true });
    }),
  );
  const { interruptible } = await import("./interrupt.js");
  return interruptible(async (signal) => {
    const result = await run(paths, {
      vars, envFiles: values["env-file"], baseUrl: values["base-url"], timeoutMs, maxResponseSize, bail: values.bail === true, reporters, redactor, signal,
      config: values.config, envName: values.env, jobs, shard, grep: values.grep, tags: values.tag,
    });
    return result.exitCode;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof CliUsage) {
      process.stderr.write(`authspec: ${e.message}\nRun \`authspec --help\` for usage.\n`);
      process.exitCode = 2;
    } else if (e instanceof Error && e.name === "UsageError") {
      process.stderr.write(redact(`authspec: ${e.message}\n`));
      process.exitCode = 2;
    } else internalError(e);
  },
);

/** A bug in authspec: one masked line (the stack trace only with AUTHSPEC_DEBUG=1), exit code 3. */
function internalError(e: unknown): void {
  const err = e as Error;
  const detail = process.env.AUTHSPEC_DEBUG ? (err?.stack ?? "") + "\n" : "(set AUTHSPEC_DEBUG=1 for a stack trace; please report it)\n";
  process.stderr.write(redact(`authspec: internal error: ${err?.message ?? String(e)}\n${detail}`));
  process.exitCode = 3;
}

// The last resort, for errors outside main()'s promise chain (an unhandled stream 'error' event).
for (const event of ["uncaughtException", "unhandledRejection"] as const)
  process.on(event, (e: unknown) => {
    internalError(e);
    process.exit(3);
  });
