/** The mail seam: what the account and recovery flows hand to a transport. */
export type MailKind = "email_verification" | "password_reset" | "account_exists" | "password_changed";

export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The action link (built from PUBLIC_URL only), when the kind has one. */
  link?: string;
}

export interface Mailer {
  /** Sends one message; a failure is logged by the caller, never shown to a client. */
  send(message: MailMessage): Promise<void>;
}
