// The response body size bound (maxResponseSize) and decompression under that bound. got's own
// decompression streams without a limit, so a small gzip bomb would inflate without end; the client
// turns it off, receives the encoded bytes (bounded as they arrive) and decompresses here with zlib's
// maxOutputLength, so the limit applies to the decompressed size and nothing past it is allocated.
import zlib from "node:zlib";

export const DEFAULT_MAX_RESPONSE_SIZE = 10 * 1024 * 1024;

/** The encodings authspec asks for and can decode (what got itself would ask for on Node 20). */
export const ACCEPT_ENCODING = "gzip, deflate, br";

/** A body that failed the bound or could not be decoded: becomes a NetworkFailure of the step. */
export class BodyProblem {
  constructor(
    readonly code: "ERR_RESPONSE_TOO_LARGE" | "ERR_BODY_DECODE",
    readonly message: string,
  ) {}
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KB`;
  return `${n} bytes`;
}

export const tooLarge = (limit: number, what: string): BodyProblem =>
  new BodyProblem("ERR_RESPONSE_TOO_LARGE", `response body larger than maxResponseSize (${formatBytes(limit)}): ${what}`);

/** Decode a Content-Encoding'd body, refusing to produce more than `limit` bytes. Unknown encodings pass as they are. */
export function decodeBody(body: Buffer, contentEncoding: string | undefined, limit: number): Buffer | BodyProblem {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (body.length === 0 || (encoding !== "gzip" && encoding !== "x-gzip" && encoding !== "deflate" && encoding !== "br")) return body;
  const opts = { maxOutputLength: limit };
  try {
    if (encoding === "br") return zlib.brotliDecompressSync(body, opts);
    // "deflate" is meant to be zlib-wrapped (RFC 9110), but some servers send raw deflate: look at the header.
    const zlibWrapped = body.length > 1 && (body[0]! & 0x0f) === 0x08 && ((body[0]! << 8) | body[1]!) % 31 === 0;
    if (encoding === "deflate") return zlibWrapped ? zlib.inflateSync(body, opts) : zlib.inflateRawSync(body, opts);
    return zlib.gunzipSync(body, opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_BUFFER_TOO_LARGE") return tooLarge(limit, `it decompresses (${encoding}) past the limit`);
    return new BodyProblem("ERR_BODY_DECODE", `could not decompress the response body (${encoding}): ${err.message.split("\n")[0]}`);
  }
}
