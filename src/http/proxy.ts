// Proxies: HTTP(S) proxies from the usual environment variables (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and
// NO_PROXY, lower or upper case), read from the process environment as curl and most tools do.
// proxy-from-env decides which proxy (if any) a URL uses, NO_PROXY matching included; hpagent's agents
// tunnel HTTPS through CONNECT and keep their connections alive, one agent pair per proxy URL per run.
import { HttpProxyAgent, HttpsProxyAgent } from "hpagent";
import { getProxyForUrl } from "proxy-from-env";

type AgentOptions = { keepAlive: boolean; maxSockets: number; scheduling: "lifo" | "fifo" };

export class ProxyAgents {
  private readonly byProxy = new Map<string, { http: HttpProxyAgent; https: HttpsProxyAgent }>();
  constructor(private readonly opts: AgentOptions) {}

  /** got options for `url`: `{ agent }` when a proxy applies, else nothing (the client's own agents). */
  agentFor(url: string): { agent?: { http: HttpProxyAgent; https: HttpsProxyAgent } } {
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
      agents = { http: new HttpProxyAgent(o), https: new HttpsProxyAgent(o) };
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
