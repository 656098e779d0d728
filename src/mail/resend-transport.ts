/**
 * The Resend transport (https://resend.com/docs/api-reference/emails/send-email):
 * POST https://api.resend.com/emails with `Authorization: Bearer RESEND_API_KEY`
 * and `{from, to: [...], subject, text, html}`.
 */
import type { NamedMailer } from "./delivery";
import { postOnce, type FetchFn } from "./delivery";
import { freshMeta } from "./types";

export const RESEND_ENDPOINT = "https://api.resend.com/emails";

export interface ResendTransportOptions {
  apiKey: string;
  /** The sender, e.g. `TDAH Assistant <no-reply@example.com>` (MAIL_FROM). */
  from: string;
  fetchFn?: FetchFn;
  /** Default 10 000 ms. */
  timeoutMs?: number;
}

const encoder = new TextEncoder();

/**
 * @example
 * const mailer = resendTransport({ apiKey: config.resendApiKey, from: config.mailFrom });
 * await mailer.send(renderMail("password_changed", { to }), { id: "msg_...", timestamp: nowSeconds });
 */
export function resendTransport(options: ResendTransportOptions): NamedMailer {
  const { apiKey, from, fetchFn = fetch, timeoutMs = 10_000 } = options;
  return {
    transport: "resend",
    async send(message, meta = freshMeta()) {
      const { to, subject, text, html } = message;
      await postOnce({
        transport: "resend",
        fetchFn,
        url: RESEND_ENDPOINT,
        body: encoder.encode(JSON.stringify({ from, to: [to], subject, text, html })),
        timeoutMs,
        // A retry of the same message is one email at Resend (its idempotency window is 24 h).
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", "idempotency-key": meta.id },
      });
    },
  };
}
