// URLs: an absolute url ignores baseUrl; a relative one is appended to baseUrl's path (as got's prefixUrl).
import type { Scalar } from "../spec/types.js";

const HTTP_URL = /^https?:\/\//i;
export const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

export function joinUrl(baseUrl: string | undefined, url: string, query?: Record<string, Scalar>): string {
  let full: string;
  if (ABSOLUTE_URL.test(url)) full = url;
  else if (!baseUrl) throw new Error(`relative url ${JSON.stringify(url)} needs a baseUrl (in the spec, or --base-url)`);
  else {
    const base = baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl;
    full = base + (url.startsWith("/") || url.startsWith("?") ? url : "/" + url);
  }
  if (!HTTP_URL.test(full)) throw new Error(`unsupported URL ${JSON.stringify(full)}: use http:// or https://`);
  if (!query) return full; // got parses (and rejects) it; parsing it here too would cost every request
  let parsed: URL;
  try {
    parsed = new URL(full);
  } catch {
    throw new Error(`invalid URL ${JSON.stringify(full)}`);
  }
  for (const [k, v] of Object.entries(query)) parsed.searchParams.append(k, String(v));
  return parsed.toString();
}
