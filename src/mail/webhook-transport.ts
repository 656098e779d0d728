/**
 * The webhook transport: POSTs the message as JSON to MAIL_WEBHOOK_URL,
 * signed with `x-gateway-signature: sha256=<hex HMAC-SHA256 of the raw body>`
 * under the UTF-8 bytes of MAIL_WEBHOOK_SECRET, so a receiver in any
 * language can check it over the exact bytes it read; and, under the same
 * key, the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) so that it can also refuse replays.
 */
import { keyFor, webhookHeaders } from "../delivery/signature";
import type { NamedMailer } from "./delivery";
import { postOnce, type FetchFn } from "./delivery";
import { freshMeta, type MailMessage } from "./types";

export interface WebhookTransportOptions {
  url: string;
  secret: string;
  fetchFn?: FetchFn;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = "x-gateway-signature";
const encoder = new TextEncoder();

/** The webhook's body: the fields of API.md "Mail", `link` null when the kind has none. */
export function webhookBody(message: MailMessage): string {
  const { kind, to, subject, text, html, link } = message;
  return JSON.stringify({ kind, to, subject, text, html, link: link ?? null });
}

function toHex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * @example
 * const mailer = webhookTransport({ url: config.mailWebhookUrl, secret: config.mailWebhookSecret });
 * await mailer.send(renderMail("password_reset", { to, link }), { id: "msg_...", timestamp: nowSeconds });
 */
export function webhookTransport(options: WebhookTransportOptions): NamedMailer {
  const { url, secret, fetchFn = fetch, timeoutMs = 10_000 } = options;
  // Imported once per transport, on first use.
  const signingKey = keyFor(secret);

  return {
    transport: "webhook",
    async send(message, meta = freshMeta()) {
      const body = encoder.encode(webhookBody(message));
      const key = await signingKey();
      const signature = toHex(await crypto.subtle.sign("HMAC", key, body));
      const standard = await webhookHeaders(key, meta.id, meta.timestamp, body);
      await postOnce({
        transport: "webhook",
        fetchFn,
        url,
        body,
        timeoutMs,
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: `sha256=${signature}`, ...standard },
      });
    },
  };
}
