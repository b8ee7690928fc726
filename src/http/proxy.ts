// Proxies: HTTP(S) proxies from the usual environment variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and
// NO_PROXY, lower or upper case), read from the process environment as curl and most tools do.
// proxy-from-env decides which proxy (if any) a URL uses, NO_PROXY matching included; hpagent's agents
// tunnel requests through CONNECT and keep their connections alive, one agent pair per proxy URL per
// run. Both are loaded only when a proxy variable is set, so a run without a proxy pays nothing.
import type { HttpProxyAgent, HttpsProxyAgent } from "hpagent";

type AgentOptions = { keepAlive: boolean; maxSockets: number; scheduling: "lifo" | "fifo" };
type Agents = { http: HttpProxyAgent; https: HttpsProxyAgent };
type Libs = { hpagent: typeof import("hpagent"); getProxyForUrl: (url: string) => string };

const PROXY_VARS = ["https_proxy", "http_proxy", "all_proxy"];

export class ProxyAgents {
  private readonly byProxy = new Map<string, Agents>();
  /** undefined: no proxy variable was set when the run started. */
  private readonly libs: Promise<Libs> | undefined;

  constructor(private readonly opts: AgentOptions) {
    const env = process.env;
    if (PROXY_VARS.some((k) => env[k] || env[k.toUpperCase()]))
      this.libs = Promise.all([import("hpagent"), import("proxy-from-env")]).then(([hpagent, pfe]) => ({ hpagent, getProxyForUrl: pfe.getProxyForUrl }));
  }

  /** Whether any request of this run may go through a proxy. */
  get active(): boolean {
    return this.libs !== undefined;
  }

  /** got options for `url`: `{ agent }` when a proxy applies, else nothing (the client's own agents). */
  async agentFor(url: string): Promise<{ agent?: Agents }> {
    if (!this.libs) return {};
    const { hpagent, getProxyForUrl } = await this.libs;
    let proxy: string;
    try {
      proxy = getProxyForUrl(url);
    } catch {
      return {}; // an unparsable URL: got reports it
    }
    if (!proxy) return {};
    let agents = this.byProxy.get(proxy);
    if (!agents) {
      const o = { ...this.opts, proxy };
      agents = { http: new hpagent.HttpProxyAgent(o), https: new hpagent.HttpsProxyAgent(o) };
      this.byProxy.set(proxy, agents);
    }
    return { agent: agents };
  }

  destroy(): void {
    for (const a of this.byProxy.values()) {
      a.http.destroy();
      a.https.destroy();
    }
  }
}
