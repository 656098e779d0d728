/**
 * Admin actions in the audit log: one auth_events row with the acting admin
 * as `actor_id`, written in the same transaction as the change it records
 * (so the log never claims a change that was rolled back, nor misses one),
 * and one JSON log line.
 */
import type { Context } from "hono";
import { clientInfo } from "../auth/client-info";
import { insertAuthEvent } from "../db/repositories/events";
import type { Executor } from "../db/repositories/tokens";
import type { AppEnv } from "../http/types";
import { log } from "../log";

export type AdminEventType =
  | "admin_user_updated"
  | "admin_sessions_revoked"
  | "admin_unlocked"
  | "admin_password_reset_sent"
  | "admin_mfa_removed";

export async function recordAdminEvent(
  c: Context<AppEnv>,
  db: Executor,
  type: AdminEventType,
  fields: { userId: number; actorId: number; detail?: Record<string, unknown> },
): Promise<void> {
  const client = clientInfo(c);
  await insertAuthEvent(db, {
    type,
    userId: fields.userId,
    actorId: fields.actorId,
    ip: client.ip,
    userAgent: client.userAgent,
    detail: fields.detail,
  });
  log("info", `auth.${type}`, {
    requestId: c.get("requestId"),
    userId: fields.userId,
    actorId: fields.actorId,
    ip: client.ip,
    ...fields.detail,
  });
}
