/**
 * How an upstream body is handed back so that nothing on the way re-encodes
 * (and so buffers) it. Measured under `npm run dev` (test/e2e/streaming.test.ts):
 * with `Accept-Encoding: gzip` a `text/plain` body written a piece at a time
 * reached the client gzipped in one block at the end, because the front line
 * (Cloudflare's, emulated locally by Miniflare) compresses "compressible"
 * content types and the runtime's gzip does not flush per piece.
 *
 * - The app encoded it (`content-encoding` present): the body is passed on
 *   unread with its header, so the runtime forwards the app's own bytes (no
 *   decode, no re-encode) and the app's flushes reach the client.
 * - A complete, unencoded body (`content-length` present): left to the edge,
 *   which may compress it (nothing waits on its pieces).
 * - A streamed, unencoded body (no length: chunked, NDJSON, long polls): sent
 *   as is (`encodeBody: "manual"`), marked `cache-control: no-transform`
 *   (Cloudflare's front line then neither compresses it nor drops its
 *   framing) and `content-encoding: identity` (the one signal the local
 *   emulation honours; clients read it as "not encoded").
 */
const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

/** Adjusts `out` (the client-bound headers) for `upstream`; returns the extra ResponseInit to use. */
export function preserveEncoding(upstream: Response, out: Headers): { encodeBody?: "manual" } {
  if (upstream.body === null || NO_BODY_STATUS.has(upstream.status)) return {};
  if (upstream.headers.has("content-encoding") || upstream.headers.has("content-length")) return {};
  const cacheControl = out.get("cache-control");
  if (!cacheControl || !/(^|,)\s*no-transform\s*(,|$)/i.test(cacheControl)) {
    out.set("cache-control", cacheControl ? `${cacheControl}, no-transform` : "no-transform");
  }
  out.set("content-encoding", "identity");
  return { encodeBody: "manual" };
}
