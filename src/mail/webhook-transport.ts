/**
 * The webhook transport: POSTs the message as JSON to MAIL_WEBHOOK_URL,
 * signed with `x-gateway-signature: sha256=<hex HMAC-SHA256 of the raw body>`
 * under the UTF-8 bytes of MAIL_WEBHOOK_SECRET, so a receiver in any
 * language can check it over the exact bytes it read; and, under the same
 * key, the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) so that it can also refuse replays.
 */
import { signedJsonPost, type WebhookOptions } from "../delivery/signed-post";
import type { NamedMailer } from "./delivery";
import { freshMeta, type MailMessage } from "./types";

export { SIGNATURE_HEADER } from "../delivery/signed-post";
export type WebhookTransportOptions = WebhookOptions;

/** The webhook's body: the fields of API.md "Mail", `link` null when the kind has none. */
export function webhookBody(message: MailMessage): string {
  const { kind, to, subject, text, html, link } = message;
  return JSON.stringify({ kind, to, subject, text, html, link: link ?? null });
}

/**
 * @example
 * const mailer = webhookTransport({ url: config.mailWebhookUrl, secret: config.mailWebhookSecret });
 * await mailer.send(renderMail("password_reset", { to, link }), { id: "msg_...", timestamp: nowSeconds });
 */
export function webhookTransport(options: WebhookTransportOptions): NamedMailer {
  const send = signedJsonPost({ ...options, transport: "webhook" });
  return {
    transport: "webhook",
    send: (message, meta = freshMeta()) => send(webhookBody(message), meta),
  };
}
