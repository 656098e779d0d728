/**
 * What travels on the delivery Queue: a mail or an account event, each with
 * its own message id (`msg_...`), minted when the request enqueues it. That id,
 * not the Queue's, is the Standard Webhooks `webhook-id` and the consumer's
 * dedupe key: a re-enqueue after an uncertain `send()` keeps it, so a receiver
 * (and the ledger) sees one message however many times it travels.
 */
import type { MailKind, MailMessage } from "../mail/types";

/** API.md "Account events webhook". */
export const ACCOUNT_EVENT_TYPES = [
  "user.created",
  "user.email_verified",
  "user.email_changed",
  "user.deleted",
  "user.disabled",
  "user.enabled",
  "user.roles_changed",
  "password.changed",
  "password.reset",
  "mfa.enabled",
  "mfa.disabled",
  "session.reuse_detected",
] as const;
export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];

/** What changed, for the app to keep its data in step; never a secret, a hash or a token. */
export type EventData = { user_id: string } & Record<string, string | number | boolean | null | string[]>;

export interface AccountEvent {
  type: AccountEventType;
  /** ISO 8601 UTC, when the change committed. */
  timestamp: string;
  data: EventData;
}

export type DeliveryMessage =
  | { v: 1; id: string; kind: "mail"; mail: MailMessage }
  | { v: 1; id: string; kind: "event"; event: AccountEvent };

const ID_RE = /^msg_[0-9a-f]{32}$/;
/** Every kind the mail seam sends: a Record, so a new MailKind fails the typecheck until it is listed. */
const MAIL_KIND_LIST: Record<MailKind, true> = {
  email_verification: true,
  password_reset: true,
  account_exists: true,
  password_changed: true,
  email_change: true,
  email_change_requested: true,
  mfa_enabled: true,
  mfa_disabled: true,
  recovery_code_used: true,
  passkey_added: true,
};
const MAIL_KINDS: ReadonlySet<string> = new Set(Object.keys(MAIL_KIND_LIST));
const EVENT_TYPES: ReadonlySet<string> = new Set(ACCOUNT_EVENT_TYPES);

/** A fresh `msg_<32 hex>` id. */
export function newMessageId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}

export function mailMessage(mail: MailMessage): DeliveryMessage {
  return { v: 1, id: newMessageId(), kind: "mail", mail };
}

export function eventMessage(type: AccountEventType, data: EventData, nowMs: number): DeliveryMessage {
  return { v: 1, id: newMessageId(), kind: "event", event: { type, timestamp: new Date(nowMs).toISOString(), data } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A body read off the Queue, checked; undefined when it is not one of ours. */
export function parseDeliveryMessage(body: unknown): DeliveryMessage | undefined {
  if (!isRecord(body) || body.v !== 1 || typeof body.id !== "string" || !ID_RE.test(body.id)) return undefined;
  if (body.kind === "mail") {
    const m = body.mail;
    if (!isRecord(m) || typeof m.kind !== "string" || !MAIL_KINDS.has(m.kind)) return undefined;
    if (typeof m.to !== "string" || typeof m.subject !== "string" || typeof m.text !== "string" || typeof m.html !== "string") {
      return undefined;
    }
    if (m.link !== undefined && typeof m.link !== "string") return undefined;
    return body as DeliveryMessage;
  }
  if (body.kind === "event") {
    const e = body.event;
    if (!isRecord(e) || typeof e.type !== "string" || !EVENT_TYPES.has(e.type) || typeof e.timestamp !== "string") return undefined;
    if (!isRecord(e.data) || typeof e.data.user_id !== "string") return undefined;
    return body as DeliveryMessage;
  }
  return undefined;
}

/** Safe log fields of a message: id and kind, never a recipient, link or data. */
export function describe(message: DeliveryMessage): Record<string, string> {
  return message.kind === "mail"
    ? { id: message.id, kind: "mail", mailKind: message.mail.kind }
    : { id: message.id, kind: "event", type: message.event.type };
}
