// How much of the authspec/got gap is got configuration? Times N login+/me pairs with got configured
// as the bench baseline and as src/http/client.ts configures it (timeout, buffer body, agents, signal).
import http from "node:http";
import https from "node:https";
import got from "got";
import { startDemoServer } from "../fixtures/demo-server.js";
const n = Number(process.argv[2] ?? 1000);
const server = await startDemoServer();
const agent = new http.Agent({ keepAlive: true });
const base = got.extend({ agent: { http: agent }, retry: { limit: 0 }, throwHttpErrors: false, responseType: "json" });
const agentOpts = { keepAlive: true, maxSockets: 64, scheduling: "lifo" as const };
const like = got.extend({ agent: { http: new http.Agent(agentOpts), https: new https.Agent(agentOpts) }, throwHttpErrors: false, retry: { limit: 0 }, decompress: true, maxRedirects: 10, https: { rejectUnauthorized: true }, headers: { "user-agent": "authspec" } });
const variants: Record<string, () => Promise<void>> = {
  baseline: async () => {
    const l = await base.post(server.url + "/auth", { json: { username: "alice", password: "wonderland" } });
    const t = (l.body as any).token;
    await base.get(server.url + "/me", { headers: { authorization: `Bearer ${t}` } });
  },
  "authspec-like (timeout, buffer)": async () => {
    const o = { timeout: { request: 10_000 }, followRedirect: false, responseType: "buffer" as const, signal: undefined };
    const l = await like(server.url + "/auth", { ...o, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "alice", password: "wonderland" }) });
    const t = JSON.parse(l.body.toString("utf8")).token;
    await like(server.url + "/me", { ...o, method: "GET", headers: { authorization: `Bearer ${t}` } });
  },
  "authspec-like, no timeout": async () => {
    const o = { followRedirect: false, responseType: "buffer" as const };
    const l = await like(server.url + "/auth", { ...o, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "alice", password: "wonderland" }) });
    const t = JSON.parse(l.body.toString("utf8")).token;
    await like(server.url + "/me", { ...o, method: "GET", headers: { authorization: `Bearer ${t}` } });
  },
};
for (const f of Object.values(variants)) for (let i = 0; i < 300; i++) await f();
const res: Record<string, number[]> = {};
for (let r = 0; r < 5; r++)
  for (const [name, f] of Object.entries(variants)) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await f();
    (res[name] ??= []).push(performance.now() - t);
  }
for (const [k, v] of Object.entries(res)) console.log(`${k.padEnd(34)} ${v.map((x) => x.toFixed(0)).join(" / ")} ms`);
await server.close();
agent.destroy();
process.exit(0);
