// Shared test helpers: temp spec folders, throwaway HTTP servers on 127.0.0.1, and the CLI as a process.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** tsx's loader by absolute URL, so the CLI can run from any working directory. */
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

/** A temp folder with the given files (path -> content). Call cleanup() when done. */
export function tempDir(files: Record<string, string> = {}): { dir: string; path: (p: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "authspec-test-"));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  return { dir, path: (p) => join(dir, p), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestServer {
  url: string;
  server: Server;
  requests: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[];
  connections: number;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1:0 that records what it receives. */
export async function startServer(handler: (req: IncomingMessage & { body: string }, res: ServerResponse) => void): Promise<TestServer> {
  const state: TestServer = { url: "", server: undefined as unknown as Server, requests: [], connections: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      state.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(Object.assign(req, { body }), res);
    });
  });
  server.on("connection", () => state.connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI (src/cli.ts through tsx) as a separate process. */
export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    // Hermetic on CI too: GITHUB_ACTIONS would add the github reporter to every run.
    const env: Record<string, string | undefined> = {
      ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, NODE_OPTIONS: undefined, GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: undefined, ...opts.env,
    };
    for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
    const child = spawn(process.execPath, ["--import", TSX, "--", join(ROOT, "src/cli.ts"), ...args], { cwd: opts.cwd ?? ROOT, env: env as NodeJS.ProcessEnv });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
