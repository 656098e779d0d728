/**
 * Auth events: one JSON log line and one auth_events row each; no secret is
 * ever a field. Where the request writes to Postgres anyway, the row goes into
 * that same statement (`auditRecord`, then `logAudit` once it committed): no
 * round trip of its own, and it can never be lost apart from the change it
 * records. Otherwise (`audit`) the row is written after the response is
 * decided (waitUntil), so auditing never changes what a client sees.
 */
import type { Context } from "hono";
import { insertAuthEvent, type AuthEventInput } from "../db/repositories/events";
import type { AppEnv } from "../http/types";
import { log } from "../log";
import { clientInfo } from "./client-info";

export type AuthEventType =
  | "register"
  | "register_existing"
  | "login_succeeded"
  | "login_failed"
  | "login_locked"
  | "login_refused"
  | "refresh"
  | "refresh_reuse_detected"
  | "logout"
  | "logout_all"
  | "session_revoked"
  | "password_changed"
  | "password_change_failed"
  | "password_reset_requested"
  | "password_reset"
  | "email_verification_requested"
  | "email_verified"
  | "passkey_added"
  | "passkey_removed"
  | "passkey_register_failed"
  | "passkey_login_failed"
  | "passkey_counter_regression"
  | "password_recheck_failed"
  | "profile_updated"
  | "email_change_requested"
  | "email_changed"
  | "account_deleted"
  | "login_mfa_required"
  | "mfa_setup_started"
  | "mfa_enabled"
  | "mfa_disabled"
  | "mfa_code_failed"
  | "mfa_recovery_codes_regenerated"
  | "recovery_code_used";

export interface AuditRecord extends AuthEventInput {
  type: AuthEventType;
}

/** The event row for a statement to write (`eventInsert`); log it with `logAudit` after the commit. */
export function auditRecord(
  c: Context<AppEnv>,
  type: AuthEventType,
  fields: { userId?: number | null; detail?: Record<string, unknown> } = {},
): AuditRecord {
  const client = clientInfo(c);
  return { type, userId: fields.userId ?? null, ip: client.ip, userAgent: client.userAgent, detail: fields.detail };
}

/** The JSON log line of an event whose row a statement already wrote. */
export function logAudit(c: Context<AppEnv>, record: AuditRecord, userId: number | null | undefined = record.userId): void {
  log("info", `auth.${record.type}`, {
    requestId: c.get("requestId"),
    userId: userId ?? undefined,
    ip: record.ip,
    ...record.detail,
  });
}

export function audit(
  c: Context<AppEnv>,
  type: AuthEventType,
  fields: { userId?: number | null; detail?: Record<string, unknown> } = {},
): void {
  const deps = c.get("deps");
  const client = clientInfo(c);
  log("info", `auth.${type}`, {
    requestId: c.get("requestId"),
    userId: fields.userId ?? undefined,
    ip: client.ip,
    ...fields.detail,
  });
  deps.defer(
    insertAuthEvent(deps.db(), {
      type,
      userId: fields.userId ?? null,
      ip: client.ip,
      userAgent: client.userAgent,
      detail: fields.detail,
    }).catch(() => log("warn", "audit.write_failed", { requestId: c.get("requestId"), type })),
  );
}
