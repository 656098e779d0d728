/**
 * The admin's actions on one account:
 * POST /auth/admin/users/{id}/logout          every session revoked (204)
 * POST /auth/admin/users/{id}/unlock          lockout and failure count cleared (204)
 * POST /auth/admin/users/{id}/password-reset  a password_reset mail (202)
 * DELETE /auth/admin/users/{id}/mfa           TOTP and recovery codes removed (204)
 * Each is an audit row with the admin as actor_id, written with the change.
 */
import type { Context } from "hono";
import { clientInfo } from "../../auth/client-info";
import { normalizeEmail } from "../../auth/email";
import { notify } from "../../auth/notify";
import { issueOneTimeToken } from "../../auth/one-time-tokens";
import { enforceRateLimits } from "../../auth/rate-limit";
import { guardDb } from "../../db/guard";
import { removeTotp } from "../../db/repositories/mfa";
import { revokeUserSessions } from "../../db/repositories/tokens";
import type { UserRow } from "../../db/schema";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import type { AppEnv } from "../../http/types";
import { recordAdminEvent } from "../audit";
import { requireAdmin, type Admin } from "../guard";
import { parsePathId } from "../params";
import { findUser, lockUser, updateUser } from "../queries";
import { EmptyBody } from "../schemas";
import type { Transaction } from "../../db/repositories/tokens";

const NO_STORE = { "cache-control": "no-store" };

/** The admin, the target id, and a body that must be empty (or `{}`). */
async function begin(c: Context<AppEnv>): Promise<{ admin: Admin; id: number }> {
  const admin = await requireAdmin(c);
  const id = parsePathId(c.req.param("id"));
  parseBody(await readJsonObject(c.req.raw, { optional: true }), EmptyBody);
  return { admin, id };
}

/** Runs `work` on the locked row of `id` in one transaction; 404 when there is none. */
function withUser<T>(c: Context<AppEnv>, id: number, work: (tx: Transaction, user: UserRow) => Promise<T>): Promise<T> {
  const db = c.get("deps").db();
  return guardDb(() =>
    db.transaction(async (tx) => {
      const user = await lockUser(tx, id);
      if (!user) throw new GatewayError("not_found", "No such user");
      return work(tx, user);
    }),
  );
}

export async function logoutUserHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { admin, id } = await begin(c);
  const nowMs = deps.now();
  const ttl = deps.config.accessTokenTtl;
  await withUser(c, id, async (tx) => {
    const sessions = await revokeUserSessions(tx, id, new Date(nowMs));
    await recordAdminEvent(c, tx, "admin_sessions_revoked", {
      userId: id,
      actorId: admin.actorId,
      detail: { sessions_revoked: sessions.length },
    });
    await Promise.all([
      deps.revocations.revokeUserBefore(String(id), nowMs / 1000, ttl),
      sessions.length > 0 ? deps.revocations.revokeSessions(sessions, ttl) : Promise.resolve(),
    ]);
  });
  return c.body(null, 204, NO_STORE);
}

export async function unlockUserHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { admin, id } = await begin(c);
  const now = new Date(deps.now());
  await withUser(c, id, async (tx, user) => {
    await updateUser(tx, id, { failedLoginAttempts: 0, lockedUntil: null }, now);
    await recordAdminEvent(c, tx, "admin_unlocked", {
      userId: id,
      actorId: admin.actorId,
      detail: { failed_login_attempts: user.failedLoginAttempts },
    });
    // The Durable Object is the lock's source of truth (keyed like login's).
    await deps.lockouts.reset(user.email);
  });
  return c.body(null, 204, NO_STORE);
}

export async function sendPasswordResetHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { admin, id } = await begin(c);
  const db = deps.db();
  const user = await findUser(db, id);
  if (!user) throw new GatewayError("not_found", "No such user");
  // The same per-address budget as /auth/password/forgot: no mail bombing through the admin API.
  await enforceRateLimits(c, [
    { key: `forgot-email:${normalizeEmail(user.email)}`, policy: deps.config.rateLimits.forgotEmail },
  ]);
  await recordAdminEvent(c, db, "admin_password_reset_sent", { userId: id, actorId: admin.actorId });
  const nowMs = deps.now();
  const client = clientInfo(c);
  notify(c, async () => ({
    kind: "password_reset",
    to: user.email,
    fullName: user.fullName,
    token: await issueOneTimeToken(db, "password_reset", user.id, nowMs, client),
  }));
  return c.json({ status: "accepted" }, 202, NO_STORE);
}

/** DELETE /auth/admin/users/{id}/mfa: the lost-device reset; `mfa.disabled` event and `mfa_disabled` mail when TOTP was on. */
export async function removeMfaHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { admin, id } = await begin(c);
  const now = new Date(deps.now());
  const { removed, user } = await withUser(c, id, async (tx, target) => {
    const wasOn = await removeTotp(tx, id, now);
    await recordAdminEvent(c, tx, "admin_mfa_removed", { userId: id, actorId: admin.actorId, detail: { totp: wasOn } });
    return { removed: wasOn, user: target };
  });
  if (removed) {
    deps.events.emit("mfa.disabled", { user_id: String(id), factor: "totp", by: "admin" });
    notify(c, async () => ({ kind: "mfa_disabled", to: user.email, fullName: user.fullName }));
  }
  return c.body(null, 204, NO_STORE);
}
