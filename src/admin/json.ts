/** The admin API's shapes: AdminUser (User + counters and MFA state), sessions, events. */
import type { AuthEventRow, UserRow } from "../db/schema";
import type { LiveSession } from "../db/repositories/tokens";
import { userJson, type UserJson } from "../auth/user-json";
import type { MfaState } from "./queries";

export interface AdminUserJson extends UserJson {
  failed_login_attempts: number;
  locked_until: string | null;
  updated_at: string;
  mfa: { totp: boolean; passkeys: number };
}

export function adminUserJson(u: UserRow, mfa: MfaState): AdminUserJson {
  return {
    ...userJson(u),
    failed_login_attempts: u.failedLoginAttempts,
    locked_until: u.lockedUntil ? u.lockedUntil.toISOString() : null,
    updated_at: u.updatedAt.toISOString(),
    mfa: { totp: mfa.totp, passkeys: mfa.passkeys },
  };
}

export function adminSessionJson(s: LiveSession) {
  return {
    id: s.sessionId,
    created_at: s.startedAt.toISOString(),
    last_used_at: s.lastUsedAt.toISOString(),
    ip_address: s.ip,
    user_agent: s.userAgent,
  };
}

export function eventJson(e: AuthEventRow) {
  return {
    id: String(e.id),
    type: e.eventType,
    user_id: e.userId === null ? null : String(e.userId),
    actor_id: e.actorId === null ? null : String(e.actorId),
    ip: e.ipAddress,
    user_agent: e.userAgent,
    created_at: e.createdAt.toISOString(),
    detail: e.detail,
  };
}
