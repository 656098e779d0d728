/**
 * One signed JSON POST, as both webhooks (mail and account events) send it:
 * `x-gateway-signature: sha256=<hex HMAC-SHA256 of the raw body>` and the
 * Standard Webhooks headers, all under the UTF-8 bytes of the webhook's
 * secret, so a receiver can check the exact bytes it read and refuse replays.
 *
 * @example
 * const post = signedJsonPost({ transport: "events", url: config.eventsWebhookUrl, secret: config.eventsWebhookSecret });
 * await post(JSON.stringify(payload), { id: "msg_...", timestamp: nowSeconds });
 */
import { postOnce, type DeliveryTransport, type FetchFn } from "../mail/delivery";
import type { DeliveryMeta } from "../mail/types";
import { bodySignature, keyFor, webhookHeaders } from "./signature";

export interface SignedPostOptions {
  /** Who sends (named in the error when the POST fails). */
  transport: DeliveryTransport;
  url: string;
  secret: string;
  fetchFn?: FetchFn;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

/** A webhook's options: where it posts, under which secret. */
export type WebhookOptions = Omit<SignedPostOptions, "transport">;

export const SIGNATURE_HEADER = "x-gateway-signature";
const encoder = new TextEncoder();

/** POSTs `json` once, signed; resolves on 2xx, else throws MailDeliveryError (see postOnce). */
export function signedJsonPost(options: SignedPostOptions): (json: string, meta: DeliveryMeta) => Promise<void> {
  const { transport, url, secret, fetchFn = fetch, timeoutMs = 10_000 } = options;
  // Imported once per sender, on first use.
  const signingKey = keyFor(secret);
  return async (json, meta) => {
    const body = encoder.encode(json);
    const key = await signingKey();
    const standard = await webhookHeaders(key, meta.id, meta.timestamp, body);
    await postOnce({
      transport,
      fetchFn,
      url,
      body,
      timeoutMs,
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: await bodySignature(key, body), ...standard },
    });
  };
}
