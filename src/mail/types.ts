/** The mail seam: what the account and recovery flows hand to a transport. */
export type MailKind =
  | "email_verification"
  | "password_reset"
  | "account_exists"
  | "password_changed"
  | "email_change"
  | "email_change_requested"
  | "passkey_added"
  | "mfa_enabled"
  | "mfa_disabled"
  | "recovery_code_used";

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The action link (built from PUBLIC_URL only), when the kind has one. */
  link?: string;
}

/** Who a delivery attempt is: the message id (stable across retries) and the attempt's time. */
export interface DeliveryMeta {
  /** `msg_...`: the Standard Webhooks `webhook-id`, the same on every retry, so receivers dedupe. */
  id: string;
  /** Epoch seconds of this attempt (`webhook-timestamp`). */
  timestamp: number;
}

/** A one-off id and the current time, for sends outside the Queue. */
export function freshMeta(): DeliveryMeta {
  return { id: `msg_${crypto.randomUUID().replaceAll("-", "")}`, timestamp: Math.floor(Date.now() / 1000) };
}

export interface Mailer {
  /** Sends one message; a failure is logged by the caller, never shown to a client. */
  send(message: MailMessage, meta?: DeliveryMeta): Promise<void>;
}
