/**
 * The mail seam: picks the configured transport (MAIL_TRANSPORT) and sends
 * without ever failing the caller (`sendSafely`, for waitUntil). Templates
 * and the link builder are re-exported so flows import one module.
 */
import type { Config } from "../config";
import { errorKind, log } from "../log";
import { MailDeliveryError, type FetchFn, type NamedMailer } from "./delivery";
import { logTransport } from "./log-transport";
import { resendTransport } from "./resend-transport";
import type { MailMessage, Mailer } from "./types";
import { webhookTransport } from "./webhook-transport";

export { actionLink, renderMail, type ActionPath, type MailInput } from "./templates";
export { MailDeliveryError, type NamedMailer } from "./delivery";

/** Mailers over the global fetch, one per parsed Config (so per isolate): keys are imported once. */
const shared = new WeakMap<Config, NamedMailer>();

function build(config: Config, fetchFn: FetchFn): NamedMailer {
  switch (config.mailTransport) {
    case "webhook":
      // parseConfig refuses MAIL_TRANSPORT=webhook without both values.
      return webhookTransport({ url: config.mailWebhookUrl ?? "", secret: config.mailWebhookSecret ?? "", fetchFn });
    case "resend":
      return resendTransport({ apiKey: config.resendApiKey ?? "", from: config.mailFrom, fetchFn });
    case "log":
      return { transport: "log", send: logTransport({ revealLinks: config.isDevelopment }).send };
  }
}

/**
 * The Mailer for `config.mailTransport`: `log`, `webhook` or `resend`.
 *
 * @example
 * const mailer = createMailer(getConfig(env));
 * ctx.waitUntil(sendSafely(mailer, renderMail("password_changed", { to: user.email })));
 */
export function createMailer(config: Config, fetchFn: FetchFn = fetch): Mailer {
  if (fetchFn !== fetch) return build(config, fetchFn);
  let mailer = shared.get(config);
  if (!mailer) {
    mailer = build(config, fetchFn);
    shared.set(config, mailer);
  }
  return mailer;
}

function transportOf(mailer: Mailer): string {
  return "transport" in mailer && typeof mailer.transport === "string" ? mailer.transport : "custom";
}

/**
 * Sends and never throws: a failure is logged as `mail.failed` (kind,
 * transport and, for an HTTP answer, its status; never the recipient, the
 * link or the error's message) and handed to `onError`.
 *
 * @example
 * deps.defer(sendSafely(deps.mailer, renderMail("account_exists", { to })));
 */
export async function sendSafely(
  mailer: Mailer,
  message: MailMessage,
  onError?: (err: unknown) => void,
): Promise<void> {
  try {
    await mailer.send(message);
  } catch (err) {
    const fields: Record<string, unknown> = { kind: message.kind, transport: transportOf(mailer) };
    if (err instanceof MailDeliveryError) {
      fields.reason = err.reason;
      fields.status = err.status;
    } else {
      fields.reason = errorKind(err);
    }
    log("error", "mail.failed", fields);
    try {
      onError?.(err);
    } catch {
      // The hook is best effort; sending must stay silent for the caller.
    }
  }
}
