// expect.cookies: the cookies set by this response (Set-Cookie), their value and attributes.
import type { Cookie } from "tough-cookie";
import { toughCookie } from "../http/cookies.js";
import { setCookieLines } from "../http/client.js";
import type { CookieExpect } from "../spec/types.js";
import type { Failure } from "../run/results.js";
import type { ResponseView } from "./check.js";
import { checkMatcher, type Mask } from "./matchers.js";

export async function checkCookies(view: ResponseView, expected: Record<string, CookieExpect>, mask?: Mask): Promise<Failure[]> {
  const { Cookie } = await toughCookie();
  const set = new Map<string, Cookie>();
  for (const line of setCookieLines(view.res)) {
    const c = Cookie.parse(line);
    if (c) set.set(c.key, c);
  }
  const failures: Failure[] = [];
  for (const [name, exp] of Object.entries(expected)) {
    const fail = (message: string) => failures.push({ kind: "cookie", target: name, message: `cookie ${name}: ${message}` });
    const c = set.get(name);
    if (!c) {
      const wantsAbsent = typeof exp.value === "object" && exp.value !== null && !Array.isArray(exp.value) && (exp.value as { exists?: boolean }).exists === false;
      if (!wantsAbsent) fail(`the response sets no cookie ${name}${set.size ? ` (it sets ${[...set.keys()].join(", ")})` : ""}`);
      continue;
    }
    if (exp.value !== undefined) for (const m of checkMatcher({ exists: true, value: c.value }, exp.value, true, mask)) fail(m);
    if (exp.httpOnly !== undefined && c.httpOnly !== exp.httpOnly) fail(`expected ${exp.httpOnly ? "" : "no "}HttpOnly attribute`);
    if (exp.secure !== undefined && c.secure !== exp.secure) fail(`expected ${exp.secure ? "" : "no "}Secure attribute`);
    if (exp.sameSite !== undefined) {
      // Read the attribute from the header itself: tough-cookie lower-cases it and reports "none" when it is absent.
      const attr = /;\s*samesite\s*=\s*([^;]*)/i.exec(view.setCookie(name) ?? "")?.[1]?.trim();
      if (!attr || attr.toLowerCase() !== exp.sameSite.toLowerCase()) fail(`expected SameSite=${exp.sameSite}, got ${attr ? `SameSite=${attr}` : "no SameSite attribute"}`);
    }
    if (exp.path !== undefined && c.path !== exp.path) fail(`expected Path=${exp.path}, got ${c.path ? `Path=${c.path}` : "no Path attribute"}`);
    if (exp.domain !== undefined && (c.domain ?? "").replace(/^\./, "") !== exp.domain.replace(/^\./, ""))
      fail(`expected Domain=${exp.domain}, got ${c.domain ? `Domain=${c.domain}` : "no Domain attribute"}`);
  }
  return failures;
}
