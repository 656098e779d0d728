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
import type { DeliveryMeta } from "../mail/types";
import type { AccountEvent } from "./messages";
import { signedJsonPost, type WebhookOptions } from "./signed-post";

export type EventsWebhookOptions = WebhookOptions;

export interface EventsWebhook {
  post(event: AccountEvent, meta: DeliveryMeta): Promise<void>;
}

export function eventsWebhook(options: EventsWebhookOptions): EventsWebhook {
  const send = signedJsonPost({ ...options, transport: "events" });
  return {
    post: (event, meta) => send(JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data }), meta),
  };
}
