// Cookies: one cookie jar per spec run (tough-cookie: RFC 6265 domain, path, expiry and Secure rules).
// The jar costs nothing until a cookie appears: it is created (and tough-cookie loaded) on the first
// Set-Cookie, or the first request that follows redirects; got is handed the jar only for requests that
// can use it (it holds cookies, or redirects may set some), so specs without cookies keep the plain
// request path. Cookie values are secrets: each is registered with the run's Redactor.
import type { CookieJar } from "tough-cookie";
import { setCookieLines, type HttpResponse } from "./client.js";
import type { Redactor } from "../mask.js";

let lib: Promise<typeof import("tough-cookie")> | undefined;
export const toughCookie = () => (lib ??= import("tough-cookie"));

/** What got's `cookieJar` option takes. Cookies the jar refuses (wrong domain, public suffix) are ignored, not errors. */
export interface GotCookieJar {
  getCookieString(url: string): Promise<string>;
  setCookie(cookie: string, url: string): Promise<unknown>;
}

export class SpecCookies {
  private jar: CookieJar | undefined;
  private adapter: GotCookieJar | undefined;
  /** Whether the jar may hold cookies (set once a cookie was stored; expiry is the jar's business). */
  private filled = false;

  constructor(private readonly redactor: Redactor) {}

  private async ensure(): Promise<GotCookieJar> {
    if (!this.adapter) {
      const jar = (this.jar = new (await toughCookie()).CookieJar());
      this.adapter = {
        getCookieString: (url) => jar.getCookieString(url),
        setCookie: (cookie, url) => jar.setCookie(cookie, url, { ignoreError: true }),
      };
    }
    return this.adapter;
  }

  /** The jar for got, or undefined when it could neither send nor need to store anything got-side. */
  async forRequest(followRedirects: boolean): Promise<GotCookieJar | undefined> {
    if (this.filled || followRedirects) return this.ensure();
    return undefined;
  }

  /** After a response: store its cookies when got did not (it had no jar), and register every cookie value. */
  async afterResponse(res: HttpResponse, gotHadJar: boolean): Promise<void> {
    const lines = setCookieLines(res);
    if (!gotHadJar && lines.length) {
      const jar = await this.ensure();
      for (const line of lines) await jar.setCookie(line, res.url);
    }
    if (lines.length || (gotHadJar && res.redirects.length)) {
      this.filled = true;
      // Cookies set by redirect responses went into the jar unseen: register them all.
      for (const c of this.jar?.serializeSync()?.cookies ?? []) if (typeof c.value === "string") this.redactor.add(c.value, 4);
    }
  }
}
