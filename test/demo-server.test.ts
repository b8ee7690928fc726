import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { startDemoServer } from "../fixtures/demo-server.js";
import type { DemoServer } from "../fixtures/demo-server.js";

interface Reply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(base: string, path: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(base + path, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
}

function basic(id: string, secret: string): string {
  return "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64");
}

const JSON_TYPE = "application/json; charset=utf-8";
const FORM = { "content-type": "application/x-www-form-urlencoded" };

function expectJsonEnvelope(reply: Reply): void {
  expect(reply.headers.get("content-type")).toBe(JSON_TYPE);
  expect(reply.headers.get("x-request-id")).toMatch(/\S{8,}/);
}

describe("demo server", () => {
  let demo: DemoServer;
  let base: string;

  const login = (body: unknown, headers: Record<string, string> = { "content-type": "application/json" }) =>
    call(base, "/auth", { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const token = (form: Record<string, string> | string, headers: Record<string, string> = {}) =>
    call(base, "/oauth/token", {
      method: "POST",
      headers: { ...FORM, ...headers },
      body: typeof form === "string" ? form : new URLSearchParams(form).toString(),
    });
  const bearer = (path: string, tok: string) => call(base, path, { headers: { authorization: `Bearer ${tok}` } });

  beforeAll(async () => {
    demo = await startDemoServer({ port: 0 });
    base = demo.url;
  });

  afterAll(async () => {
    await demo.close();
  });

  test("listens on 127.0.0.1 with an assigned port", () => {
    expect(demo.port).toBeGreaterThan(0);
    expect(demo.url).toBe(`http://127.0.0.1:${demo.port}`);
  });

  describe("GET /health", () => {
    test("200 ok with JSON content-type and a fresh x-request-id", async () => {
      const a = await call(base, "/health");
      const b = await call(base, "/health");
      expect(a.status).toBe(200);
      expect(a.body).toEqual({ status: "ok" });
      expectJsonEnvelope(a);
      expect(a.headers.get("x-request-id")).not.toBe(b.headers.get("x-request-id"));
    });

    test("HEAD is allowed, other methods get 405 with Allow", async () => {
      expect((await fetch(base + "/health", { method: "HEAD" })).status).toBe(200);
      const r = await call(base, "/health", { method: "DELETE" });
      expect(r.status).toBe(405);
      expect(r.headers.get("allow")).toBe("GET, HEAD");
      expectJsonEnvelope(r);
    });
  });

  describe("POST /auth", () => {
    test("good credentials return an opaque bearer token", async () => {
      const r = await login({ username: "alice", password: "wonderland" });
      expect(r.status).toBe(200);
      expectJsonEnvelope(r);
      expect(r.body).toEqual({
        token: expect.stringMatching(/^[0-9a-f]{32}$/),
        token_type: "Bearer",
        expires_in: 3600,
        user: { name: "alice" },
      });
      const again = await login({ username: "bob", password: "builder" });
      expect(again.body.token).not.toBe(r.body.token);
    });

    test("wrong password and unknown user are 401 invalid_credentials", async () => {
      for (const creds of [
        { username: "alice", password: "nope" },
        { username: "mallory", password: "wonderland" },
        { username: "constructor", password: "" },
        { username: "__proto__", password: "x" },
      ]) {
        const r = await login(creds);
        expect(r.status).toBe(401);
        expectJsonEnvelope(r);
        expect(r.body).toEqual({ error: "invalid_credentials", message: "wrong username or password" });
      }
    });

    test.each([
      ["not JSON", "{username: alice"],
      ["empty body", ""],
      ["JSON array", "[]"],
      ["JSON null", "null"],
      ["missing password", JSON.stringify({ username: "alice" })],
      ["missing username", JSON.stringify({ password: "wonderland" })],
      ["non-string password", JSON.stringify({ username: "alice", password: 42 })],
    ])("%s -> 400 invalid_request", async (_label, body) => {
      const r = await login(body);
      expect(r.status).toBe(400);
      expectJsonEnvelope(r);
      expect(r.body.error).toBe("invalid_request");
    });

    test("a form body is 400 invalid_request; the content-type itself is not checked", async () => {
      const r = await login("username=alice&password=wonderland", FORM);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("invalid_request");
      const plain = await login(JSON.stringify({ username: "alice", password: "wonderland" }), { "content-type": "text/plain" });
      expect(plain.status).toBe(200);
    });

    test("GET /auth is 405", async () => {
      const r = await call(base, "/auth");
      expect(r.status).toBe(405);
      expect(r.headers.get("allow")).toBe("POST");
    });

    test("bodies over 1 MB are 413", async () => {
      const big = JSON.stringify({ username: "alice", password: "x".repeat(1024 * 1024) });
      const r = await login(big);
      expect(r.status).toBe(413);
      expectJsonEnvelope(r);
      // exactly at the limit is still read (and rejected on content)
      const atLimit = " ".repeat(1024 * 1024 - 2) + "{}";
      expect((await login(atLimit)).status).toBe(400);
    });

    test("a huge declared Content-Length is refused without reading the body", async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${base}/auth`,
          { method: "POST", headers: { "content-type": "application/json", "content-length": String(10 ** 9) } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
            req.destroy();
          },
        );
        req.on("error", reject);
        req.write("{");
      });
      expect(status).toBe(413);
    });
  });

  describe("POST /oauth/token", () => {
    test("client_credentials with HTTP Basic", async () => {
      const r = await token({ grant_type: "client_credentials" }, { authorization: basic("demo-client", "demo-secret") });
      expect(r.status).toBe(200);
      expectJsonEnvelope(r);
      expect(r.headers.get("cache-control")).toBe("no-store");
      expect(r.body).toEqual({
        access_token: expect.stringMatching(/^[0-9a-f]{32}$/),
        token_type: "Bearer",
        expires_in: 3600,
        scope: "read",
      });
    });

    test("client_credentials with form fields and a requested scope", async () => {
      const r = await token({
        grant_type: "client_credentials",
        client_id: "demo-client",
        client_secret: "demo-secret",
        scope: "read write",
      });
      expect(r.status).toBe(200);
      expect(r.headers.get("cache-control")).toBe("no-store");
      expect(r.body.scope).toBe("read write");
      expect(r.body.token_type).toBe("Bearer");
    });

    test("content-type parameters (charset) are accepted", async () => {
      const r = await token(
        { grant_type: "client_credentials", client_id: "demo-client", client_secret: "demo-secret" },
        { "content-type": "application/x-www-form-urlencoded; charset=UTF-8" },
      );
      expect(r.status).toBe(200);
    });

    test("both client authentication methods at once is 400 invalid_request", async () => {
      const r = await token(
        { grant_type: "client_credentials", client_id: "demo-client", client_secret: "demo-secret" },
        { authorization: basic("demo-client", "demo-secret") },
      );
      expect(r.status).toBe(400);
      expectJsonEnvelope(r);
      expect(r.body.error).toBe("invalid_request");
    });

    test("wrong secret via Basic is 401 invalid_client with a Basic challenge", async () => {
      const r = await token({ grant_type: "client_credentials" }, { authorization: basic("demo-client", "wrong") });
      expect(r.status).toBe(401);
      expectJsonEnvelope(r);
      expect(r.headers.get("www-authenticate")).toBe('Basic realm="demo"');
      expect(r.body).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
    });

    test("wrong secret via form fields is 401 invalid_client without a challenge", async () => {
      const r = await token({ grant_type: "client_credentials", client_id: "demo-client", client_secret: "wrong" });
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBeNull();
      expect(r.body).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
    });

    test("unknown client, missing client auth and malformed Basic are 401 invalid_client", async () => {
      const unknown = await token({ grant_type: "client_credentials" }, { authorization: basic("nobody", "demo-secret") });
      expect(unknown.status).toBe(401);
      const none = await token({ grant_type: "client_credentials" });
      expect(none.status).toBe(401);
      expect(none.body.error).toBe("invalid_client");
      for (const authorization of ["Basic", "Basic !!!", "Basic " + Buffer.from("no-colon").toString("base64"), "Basic " + Buffer.from("%E0%A4%A:x").toString("base64")]) {
        const r = await token({ grant_type: "client_credentials" }, { authorization });
        expect(r.status).toBe(401);
        expect(r.body.error).toBe("invalid_client");
        expect(r.headers.get("www-authenticate")).toBe('Basic realm="demo"');
      }
    });

    test("Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1)", async () => {
      const odd = await startDemoServer({ clients: { "my client:1": "s3cr=t+/ü" } });
      try {
        const r = await call(odd.url, "/oauth/token", {
          method: "POST",
          headers: { ...FORM, authorization: basic("my client:1", "s3cr=t+/ü") },
          body: "grant_type=client_credentials",
        });
        expect(r.status).toBe(200);
        const me = await call(odd.url, "/me", { headers: { authorization: `Bearer ${r.body.access_token}` } });
        expect(me.body.user.name).toBe("my client:1");
        // '+' in the encoded form means a space
        const plus = "Basic " + Buffer.from("my+client%3A1:s3cr%3Dt%2B%2F%C3%BC").toString("base64");
        const r2 = await call(odd.url, "/oauth/token", {
          method: "POST",
          headers: { ...FORM, authorization: plus },
          body: "grant_type=client_credentials",
        });
        expect(r2.status).toBe(200);
      } finally {
        await odd.close();
      }
    });

    test.each([
      ["application/json", JSON.stringify({ grant_type: "client_credentials" })],
      ["text/plain", "grant_type=client_credentials"],
    ])("content-type %s is 400 invalid_request", async (type, body) => {
      const r = await call(base, "/oauth/token", {
        method: "POST",
        headers: { "content-type": type, authorization: basic("demo-client", "demo-secret") },
        body,
      });
      expect(r.status).toBe(400);
      expectJsonEnvelope(r);
      expect(r.body.error).toBe("invalid_request");
    });

    test("unknown grant_type is 400 unsupported_grant_type", async () => {
      const r = await token({ grant_type: "authorization_code", code: "x" }, { authorization: basic("demo-client", "demo-secret") });
      expect(r.status).toBe(400);
      expect(r.body.error).toBe("unsupported_grant_type");
      expect(typeof r.body.error_description).toBe("string");
    });

    test("missing or repeated grant_type is 400 invalid_request", async () => {
      const auth = { authorization: basic("demo-client", "demo-secret") };
      expect((await token({}, auth)).body.error).toBe("invalid_request");
      const repeated = await token("grant_type=client_credentials&grant_type=password", auth);
      expect(repeated.status).toBe(400);
      expect(repeated.body.error).toBe("invalid_request");
    });

    test("password grant for a valid client issues a user token", async () => {
      const r = await token(
        { grant_type: "password", username: "bob", password: "builder" },
        { authorization: basic("demo-client", "demo-secret") },
      );
      expect(r.status).toBe(200);
      expect(r.body.scope).toBe("read");
      const me = await bearer("/me", r.body.access_token);
      expect(me.body).toEqual({ user: { name: "bob", roles: ["reader"] } });
    });

    test("password grant with bad user credentials is 400 invalid_grant, with a bad client 401", async () => {
      const bad = await token(
        { grant_type: "password", username: "bob", password: "nope" },
        { authorization: basic("demo-client", "demo-secret") },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error).toBe("invalid_grant");
      const missing = await token({ grant_type: "password", username: "bob" }, { authorization: basic("demo-client", "demo-secret") });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toBe("invalid_request");
      const badClient = await token(
        { grant_type: "password", username: "bob", password: "builder" },
        { authorization: basic("demo-client", "x") },
      );
      expect(badClient.status).toBe(401);
    });

    test("GET /oauth/token is 405", async () => {
      expect((await call(base, "/oauth/token")).status).toBe(405);
    });
  });

  describe("bearer-protected endpoints", () => {
    let userToken: string;
    let clientToken: string;

    beforeAll(async () => {
      userToken = (await login({ username: "alice", password: "wonderland" })).body.token;
      clientToken = (await token({ grant_type: "client_credentials" }, { authorization: basic("demo-client", "demo-secret") })).body
        .access_token;
    });

    test("GET /me with a /auth token names the user", async () => {
      const r = await bearer("/me", userToken);
      expect(r.status).toBe(200);
      expectJsonEnvelope(r);
      expect(r.body).toEqual({ user: { name: "alice", roles: ["reader"] } });
    });

    test("GET /me with a client_credentials token names the client", async () => {
      const r = await bearer("/me", clientToken);
      expect(r.body).toEqual({ user: { name: "demo-client", roles: ["reader"] } });
    });

    test("the auth scheme is case-insensitive", async () => {
      const r = await call(base, "/me", { headers: { authorization: `bearer ${userToken}` } });
      expect(r.status).toBe(200);
    });

    test.each([
      ["no Authorization header", undefined],
      ["an unknown token", "Bearer 0123456789abcdef0123456789abcdef"],
      ["an empty bearer", "Bearer "],
      ["the wrong scheme", "Basic " + Buffer.from("alice:wonderland").toString("base64")],
      ["a bare token", "0123456789abcdef0123456789abcdef"],
    ])("GET /me with %s is 401 invalid_token", async (_label, authorization) => {
      const r = await call(base, "/me", authorization === undefined ? {} : { headers: { authorization } });
      expect(r.status).toBe(401);
      expectJsonEnvelope(r);
      expect(r.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect(r.body).toEqual({ error: "invalid_token" });
    });

    test("GET /items pages through items", async () => {
      const r = await bearer("/items?page=2", userToken);
      expect(r.status).toBe(200);
      expectJsonEnvelope(r);
      expect(r.body).toEqual({
        page: 2,
        items: [
          { id: 4, name: "item-4" },
          { id: 5, name: "item-5" },
          { id: 6, name: "item-6" },
        ],
      });
      const first = await bearer("/items", clientToken);
      expect(first.body.page).toBe(1);
      expect(first.body.items).toHaveLength(3);
    });

    test("GET /items with a bad page is 400, without a token 401", async () => {
      expect((await bearer("/items?page=abc", userToken)).status).toBe(400);
      expect((await bearer("/items?page=0", userToken)).status).toBe(400);
      const r = await call(base, "/items?page=1");
      expect(r.status).toBe(401);
      expect(r.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    });

    test("POST /me and PUT /items are 405", async () => {
      const a = await call(base, "/me", { method: "POST", headers: { authorization: `Bearer ${userToken}` } });
      expect(a.status).toBe(405);
      expect(a.headers.get("allow")).toBe("GET, HEAD");
      expect((await call(base, "/items", { method: "PUT" })).status).toBe(405);
    });
  });

  describe("unknown paths and malformed input", () => {
    test.each(["/", "/nope", "/me/", "/health/extra", "/AUTH"])("%s is 404 not_found", async (path) => {
      const r = await call(base, path);
      expect(r.status).toBe(404);
      expectJsonEnvelope(r);
      expect(r.body).toEqual({ error: "not_found" });
    });

    test("POST to an unknown path is 404", async () => {
      expect((await call(base, "/nope", { method: "POST", body: "x" })).status).toBe(404);
    });

    test("garbage on the socket does not crash the server", async () => {
      await new Promise<void>((resolve) => {
        const socket = connect(demo.port, "127.0.0.1", () => socket.end("NOT HTTP AT ALL\r\n\r\n"));
        socket.on("data", () => {});
        socket.on("error", () => resolve());
        socket.on("close", () => resolve());
      });
      expect((await call(base, "/health")).status).toBe(200);
    });

    test("a client that disconnects mid-body does not crash the server", async () => {
      await new Promise<void>((resolve) => {
        const socket = connect(demo.port, "127.0.0.1", () => {
          socket.write("POST /auth HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user");
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 50);
        });
        socket.on("error", () => {});
      });
      expect((await call(base, "/health")).status).toBe(200);
    });
  });
});

describe("token expiry", () => {
  test("tokenTtlSeconds: 0 issues tokens that are already expired (clock-free)", async () => {
    const demo = await startDemoServer({ tokenTtlSeconds: 0 });
    try {
      const login = await call(demo.url, "/auth", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "alice", password: "wonderland" }),
      });
      expect(login.body.expires_in).toBe(0);
      const me = await call(demo.url, "/me", { headers: { authorization: `Bearer ${login.body.token}` } });
      expect(me.status).toBe(401);
      expect(me.body).toEqual({ error: "invalid_token" });
    } finally {
      await demo.close();
    }
  });

  test("tokenTtlSeconds: 1 tokens work at once and are rejected after a second", async () => {
    const demo = await startDemoServer({ tokenTtlSeconds: 1 });
    try {
      const issued = await call(demo.url, "/oauth/token", {
        method: "POST",
        headers: { ...FORM, authorization: basic("demo-client", "demo-secret") },
        body: "grant_type=client_credentials",
      });
      expect(issued.body.expires_in).toBe(1);
      const auth = { headers: { authorization: `Bearer ${issued.body.access_token}` } };
      expect((await call(demo.url, "/me", auth)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const after = await call(demo.url, "/me", auth);
      expect(after.status).toBe(401);
      expect(after.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    } finally {
      await demo.close();
    }
  });
});

describe("stats, options and lifecycle", () => {
  test("counts requests, logins, token requests and paths; reset() zeroes them", async () => {
    const demo = await startDemoServer({ users: { carol: "pw" } });
    try {
      const post = (path: string, headers: Record<string, string>, body: string) =>
        call(demo.url, path, { method: "POST", headers, body });
      expect((await post("/auth", {}, JSON.stringify({ username: "carol", password: "pw" }))).status).toBe(200);
      // custom users replace the defaults
      expect((await post("/auth", {}, JSON.stringify({ username: "alice", password: "wonderland" }))).status).toBe(401);
      await post("/auth", {}, "not json");
      await post("/oauth/token", FORM, "grant_type=client_credentials&client_id=demo-client&client_secret=demo-secret");
      await post("/oauth/token", { "content-type": "text/plain" }, "");
      await call(demo.url, "/health");
      await call(demo.url, "/me");
      await call(demo.url, "/items?page=3");
      await call(demo.url, "/items?page=4");
      await call(demo.url, "/missing");
      await call(demo.url, "/auth"); // 405: not a login attempt

      expect(demo.stats).toEqual({
        requests: 11,
        logins: 3,
        tokenRequests: 2,
        byPath: { "/auth": 4, "/oauth/token": 2, "/health": 1, "/me": 1, "/items": 2, "/missing": 1 },
      });

      const stats = demo.stats;
      demo.reset();
      expect(stats).toEqual({ requests: 0, logins: 0, tokenRequests: 0, byPath: {} });
      expect(demo.stats).toEqual({ requests: 0, logins: 0, tokenRequests: 0, byPath: {} });
      await call(demo.url, "/health");
      expect(demo.stats).toEqual({ requests: 1, logins: 0, tokenRequests: 0, byPath: { "/health": 1 } });
    } finally {
      await demo.close();
    }
  });

  test("custom clients replace the default client", async () => {
    const demo = await startDemoServer({ clients: { c1: "s1" } });
    try {
      const tok = (id: string, secret: string) =>
        call(demo.url, "/oauth/token", {
          method: "POST",
          headers: { ...FORM, authorization: basic(id, secret) },
          body: "grant_type=client_credentials",
        });
      expect((await tok("c1", "s1")).status).toBe(200);
      expect((await tok("demo-client", "demo-secret")).status).toBe(401);
    } finally {
      await demo.close();
    }
  });

  test("close() resolves with idle keep-alive sockets open, is idempotent, and stops serving", async () => {
    const demo = await startDemoServer();
    await call(demo.url, "/health"); // leaves an idle keep-alive connection in fetch's pool
    await Promise.all([demo.close(), demo.close()]);
    await expect(fetch(demo.url + "/health")).rejects.toThrow();
  });

  test("listening on an occupied port rejects", async () => {
    const demo = await startDemoServer();
    try {
      await expect(startDemoServer({ port: demo.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await demo.close();
    }
  });

  test("runs as a main module on PORT and exits on SIGTERM", async () => {
    const file = fileURLToPath(new URL("../fixtures/demo-server.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      env: { ...process.env, PORT: "0", NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const match = /demo server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
        child.on("exit", (code) => reject(new Error(`exited early with ${code}: ${err}`)));
      });
      const r = await call(url, "/health");
      expect(r.body).toEqual({ status: "ok" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
