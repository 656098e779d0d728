/**
 * What the HTTP transports share: a transport that names itself (for the
 * `mail.failed` log line), one bounded POST, and an error whose message
 * never carries the endpoint, a key, the recipient or the provider's answer.
 */
import type { MailTransport } from "../config";
import type { Mailer } from "./types";

/** A Mailer that says which transport it is. */
export interface NamedMailer extends Mailer {
  readonly transport: MailTransport;
}

export type DeliveryFailure = "status" | "timeout" | "network";
/** The mail transports, and `events` for the account events webhook. */
export type DeliveryTransport = MailTransport | "events";

/** A send that did not succeed; safe to log by name, status and reason. */
export class MailDeliveryError extends Error {
  readonly transport: DeliveryTransport;
  readonly reason: DeliveryFailure;
  /** The HTTP status the endpoint answered, when it answered. */
  readonly status?: number;

  constructor(transport: DeliveryTransport, reason: DeliveryFailure, status?: number) {
    const what = reason === "status" ? `HTTP ${status}` : reason === "timeout" ? "timed out" : "network error";
    super(`${transport === "events" ? "events webhook" : `${transport} mail`} delivery failed: ${what}`);
    this.name = "MailDeliveryError";
    this.transport = transport;
    this.reason = reason;
    this.status = status;
  }
}

export type FetchFn = typeof fetch;

export interface PostOptions {
  transport: DeliveryTransport;
  fetchFn: FetchFn;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
}

/** POSTs once (no retries, redirects not followed); resolves on 2xx, else throws MailDeliveryError. */
export async function postOnce(options: PostOptions): Promise<void> {
  const { transport, fetchFn, url, headers, body, timeoutMs } = options;
  let res: Response;
  try {
    res = await fetchFn(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // The cause is dropped on purpose: runtime messages may hold the URL.
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    throw new MailDeliveryError(transport, timedOut ? "timeout" : "network");
  }
  // The answer's body is not needed (and may echo the request): release it.
  await res.body?.cancel().catch(() => {});
  if (res.status < 200 || res.status > 299) throw new MailDeliveryError(transport, "status", res.status);
}
