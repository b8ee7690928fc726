// `npm start`: start the demo auth server on a free port and run the example suites in specs/ against it
// with the built CLI. Extra arguments go to `authspec run` (e.g. `npm start -- --verbose`); with `--config`
// among them, `specs` is left out so they name the suite (e.g. `npm start -- --config
// examples/suite/authspec.config.yaml examples/suite/specs`).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startDemoServer } from "../fixtures/demo-server.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const server = await startDemoServer();
console.log(`demo server on ${server.url}`);
// `--`: Node 20 would otherwise take --env-file for its own option (nodejs/node#54232).
const extra = process.argv.slice(2);
const paths = extra.includes("--config") ? [] : ["specs"];
const args = ["--", "dist/cli.js", "run", ...paths, "--env-file", "specs/demo.env", ...extra];
console.log(`$ API_URL=${server.url} API_TLS_URL=${server.tlsUrl} authspec ${args.slice(2).join(" ")}\n`);
const child = spawn(process.execPath, args, { cwd: root, stdio: "inherit", env: { ...process.env, API_URL: server.url, API_TLS_URL: server.tlsUrl } });
const code: number = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
await server.close();
process.exit(code);
