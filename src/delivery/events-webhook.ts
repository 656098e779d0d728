/**
 * The account events webhook: POSTs `{"type","timestamp","data"}` to
 * EVENTS_WEBHOOK_URL signed like the mail webhook (API.md): the Standard
 * Webhooks headers and `x-gateway-signature: sha256=<hex HMAC of the body>`,
 * both under the UTF-8 bytes of EVENTS_WEBHOOK_SECRET.
 *
 * @example
 * const hook = eventsWebhook({ url: config.eventsWebhookUrl, secret: config.eventsWebhookSecret });
 * await hook.post(event, { id: "msg_...", timestamp: nowSeconds });
 */
import { postOnce, type FetchFn } from "../mail/delivery";
import type { DeliveryMeta } from "../mail/types";
import type { AccountEvent } from "./messages";
import { bodySignature, keyFor, webhookHeaders } from "./signature";

export interface EventsWebhookOptions {
  url: string;
  secret: string;
  fetchFn?: FetchFn;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

export interface EventsWebhook {
  post(event: AccountEvent, meta: DeliveryMeta): Promise<void>;
}

const encoder = new TextEncoder();

export function eventsWebhook(options: EventsWebhookOptions): EventsWebhook {
  const { url, secret, fetchFn = fetch, timeoutMs = 10_000 } = options;
  const signingKey = keyFor(secret);
  return {
    async post(event, meta) {
      const body = encoder.encode(JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data }));
      const key = await signingKey();
      const headers = await webhookHeaders(key, meta.id, meta.timestamp, body);
      await postOnce({
        transport: "events",
        fetchFn,
        url,
        body,
        timeoutMs,
        headers: { "content-type": "application/json", "x-gateway-signature": await bodySignature(key, body), ...headers },
      });
    },
  };
}
