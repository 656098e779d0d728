/**
 * The one upstream call: streamed both ways, redirects passed back (never
 * followed), sent at most once (no retries), bounded by UPSTREAM_TIMEOUT_MS.
 * Unreachable → 502 `upstream_unavailable`; too slow → 504 `upstream_timeout`.
 */
import { GatewayError } from "../errors";

export interface UpstreamCall {
  url: string;
  method: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  timeoutMs: number;
}

export async function callUpstream(call: UpstreamCall): Promise<Response> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  try {
    return await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.method === "GET" || call.method === "HEAD" ? null : call.body,
      redirect: "manual",
      signal: timeout,
    });
  } catch (err) {
    if (timeout.aborted) {
      throw new GatewayError("upstream_timeout", "The application did not answer in time", { cause: err });
    }
    throw new GatewayError("upstream_unavailable", "The application is unavailable", { cause: err });
  }
}
