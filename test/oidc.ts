// A real OAuth2 server for the tests: oidc-provider (panva), started on 127.0.0.1:0. It issues opaque
// access tokens for client_credentials by default, JWT access tokens for the resource urn:authspec:api
// (resource indicators), and refresh tokens through a password grant registered with its public
// registerGrantType API. It counts the token requests it receives.
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export const API_RESOURCE = "urn:authspec:api";
export const CLIENTS = {
  basic: { id: "basic-client", secret: "basic-secret-0123456789abcdef" },
  post: { id: "post-client", secret: "post-secret-0123456789abcdef" },
};
export const USER = { username: "alice", password: "alice-password-42" };

export interface OidcServer {
  issuer: string;
  tokenUrl: string;
  jwksUrl: string;
  /** Token requests received, by grant_type. */
  tokenRequests: { grant: string; auth: "basic" | "body" | "none"; at: number }[];
  /** Every access, refresh and ID token the server issued. */
  issued: string[];
  close(): Promise<void>;
}

export async function startOidc(opts: { accessTokenTTL?: number } = {}): Promise<OidcServer> {
  const ttl = opts.accessTokenTTL ?? 600;
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The in-memory adapter is what a test wants; its start-up warning is noise here.
  const warn = console.warn;
  console.warn = (...a: unknown[]) => (String(a[0]).includes("in-memory adapter") ? undefined : warn(...a));
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENTS.basic.id,
        client_secret: CLIENTS.basic.secret,
        grant_types: ["client_credentials", "password", "refresh_token"],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: "client_secret_basic",
      },
      {
        client_id: CLIENTS.post.id,
        client_secret: CLIENTS.post.secret,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    scopes: ["openid", "offline_access", "read", "write"],
    cookies: { keys: ["authspec-test-cookie-key"] },
    jwks: { keys: [{ ...generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: "test-key", use: "sig", alg: "RS256" }] },
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    clientBasedCORS: () => false,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== API_RESOURCE) throw new Provider.errors.InvalidTarget();
          return { scope: "read write", audience: API_RESOURCE, accessTokenTTL: ttl, accessTokenFormat: "jwt" };
        },
      },
    },
    ttl: { ClientCredentials: ttl, AccessToken: ttl, RefreshToken: 3600, Grant: 3600, IdToken: 3600 },
  } as never);
  console.warn = warn;
  const state: OidcServer = {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    tokenRequests: [],
    issued: [],
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };

  // A resource-owner password grant (RFC 6749 4.3), registered through the provider's public API.
  provider.registerGrantType(
    "password",
    async (ctx: any) => {
      const { username, password, scope } = ctx.oidc.params;
      if (username !== USER.username || password !== USER.password) {
        throw new Provider.errors.InvalidGrant("wrong username or password");
      }
      const { client } = ctx.oidc;
      const grant = new provider.Grant({ accountId: username, clientId: client.clientId });
      grant.addOIDCScope("openid offline_access");
      const grantId = await grant.save();
      const at = new provider.AccessToken({ accountId: username, client, grantId, gty: "password", scope: scope ?? "openid" });
      const rt = new provider.RefreshToken({ accountId: username, client, grantId, gty: "password", scope: "openid offline_access", expiresWithSession: false });
      ctx.body = { access_token: await at.save(), expires_in: at.expiration, token_type: "Bearer", refresh_token: await rt.save(), scope: at.scope };
    },
    ["username", "password", "scope"],
  );

  // Count token requests: the form body is seen through Readable.push, so the provider still reads it
  // whenever it wants (a 'data' listener would start the flow before the provider listens).
  const callback = provider.callback();
  server.on("request", (req, res) => {
    if (req.method === "POST" && req.url?.startsWith("/token")) {
      const chunks: Buffer[] = [];
      const push = req.push.bind(req);
      req.push = (chunk: unknown, encoding?: BufferEncoding) => {
        if (chunk) chunks.push(Buffer.from(chunk as Buffer));
        else {
          const form = new URLSearchParams(Buffer.concat(chunks).toString());
          const auth = req.headers.authorization?.startsWith("Basic ") ? "basic" : form.has("client_secret") ? "body" : "none";
          state.tokenRequests.push({ grant: form.get("grant_type") ?? "", auth, at: Date.now() });
        }
        return push(chunk, encoding);
      };
      const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
      res.end = ((body?: unknown, ...rest: unknown[]) => {
        if (body) {
          try {
            const doc = JSON.parse(String(body)) as Record<string, unknown>;
            for (const k of ["access_token", "refresh_token", "id_token"]) if (typeof doc[k] === "string") state.issued.push(doc[k] as string);
          } catch {
            /* not JSON */
          }
        }
        return end(body, ...rest);
      }) as typeof res.end;
    }
    callback(req, res);
  });
  return state;
}
