/**
 * The one upstream call: streamed both ways, redirects passed back (never
 * followed), sent at most once (no retries). UPSTREAM_TIMEOUT_MS bounds the
 * wait for the answer to *start* (its status and headers): the timer is
 * cleared as soon as the response has started, so a long stream or a
 * WebSocket lives as long as the app keeps it open.
 * Unreachable → 502 `upstream_unavailable`; no start in time → 504 `upstream_timeout`.
 */
import { GatewayError } from "../errors";

export interface UpstreamCall {
  url: string;
  method: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  /** How long the answer may take to start, ms. */
  timeoutMs: number;
}

export async function callUpstream(call: UpstreamCall): Promise<Response> {
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, call.timeoutMs);
  try {
    return await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.method === "GET" || call.method === "HEAD" ? null : call.body,
      redirect: "manual",
      signal: abort.signal,
    });
  } catch (err) {
    if (timedOut) {
      throw new GatewayError("upstream_timeout", "The application did not answer in time", { cause: err });
    }
    throw new GatewayError("upstream_unavailable", "The application is unavailable", { cause: err });
  } finally {
    // The answer has started (or failed): from here on the body streams for as long as it lasts.
    clearTimeout(timer);
  }
}
