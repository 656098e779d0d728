/**
 * PATCH /auth/admin/users/{id}: roles, account_status, email_verified.
 *
 * Everything is checked before anything is written (422 shape, 409 for an
 * admin removing their own `admin` role or disabling themselves, 404). The
 * change, the revocation of a disabled user's sessions and the audit row are
 * one transaction under the user's row lock; before it commits, a change of
 * roles or status writes the user's revoked-before time (and a disabled
 * user's sessions) to KV, so their live access tokens fail at once. If KV
 * cannot be written the transaction rolls back: nothing changes.
 */
import type { Context } from "hono";
import { guardDb } from "../../db/guard";
import { revokeUserSessions } from "../../db/repositories/tokens";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import type { AppEnv } from "../../http/types";
import { ADMIN_ROLE } from "../../roles";
import { recordAdminEvent } from "../audit";
import { requireAdmin } from "../guard";
import { adminUserJson } from "../json";
import { parsePathId } from "../params";
import { parseUserPatch, type UserPatch } from "../patch-body";
import { findUserWithMfa, lockUser, updateUser, type UserChanges } from "../queries";
import type { UserRow } from "../../db/schema";

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

/** What the patch really changes on `before`, and the audit detail of it. */
function diff(before: UserRow, patch: UserPatch): { changes: UserChanges; detail: Record<string, unknown> } {
  const changes: UserChanges = {};
  const detail: Record<string, unknown> = {};
  if (patch.roles && !sameRoles(before.roles, patch.roles)) {
    changes.roles = patch.roles;
    detail.roles = { from: before.roles, to: patch.roles };
  }
  if (patch.accountStatus && patch.accountStatus !== before.accountStatus) {
    changes.accountStatus = patch.accountStatus;
    detail.account_status = { from: before.accountStatus, to: patch.accountStatus };
  }
  if (patch.emailVerified !== undefined && patch.emailVerified !== before.emailVerified) {
    changes.emailVerified = patch.emailVerified;
    detail.email_verified = { from: before.emailVerified, to: patch.emailVerified };
  }
  return { changes, detail };
}

/** The account events (API.md "Account events webhook") of a committed change. */
function emitAccountEvents(c: Context<AppEnv>, id: number, changes: UserChanges): void {
  const events = c.get("deps").events;
  const userId = String(id);
  if (changes.roles) events.emit("user.roles_changed", { user_id: userId, roles: changes.roles });
  if (changes.accountStatus === "disabled") events.emit("user.disabled", { user_id: userId });
  if (changes.accountStatus === "active") events.emit("user.enabled", { user_id: userId });
  if (changes.emailVerified === true) events.emit("user.email_verified", { user_id: userId });
}

export async function updateUserHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const admin = await requireAdmin(c);
  const id = parsePathId(c.req.param("id"));
  const patch = parseUserPatch(await readJsonObject(c.req.raw));
  if (id === admin.actorId) {
    if (patch.roles && !patch.roles.includes(ADMIN_ROLE)) {
      throw new GatewayError("conflict", "You cannot remove your own admin role; ask another admin");
    }
    if (patch.accountStatus === "disabled") {
      throw new GatewayError("conflict", "You cannot disable your own account; ask another admin");
    }
  }
  const nowMs = deps.now();
  const now = new Date(nowMs);
  const ttl = config.accessTokenTtl;
  const db = deps.db();
  const { user, changes } = await guardDb(() =>
    db.transaction(async (tx) => {
      const before = await lockUser(tx, id);
      if (!before) throw new GatewayError("not_found", "No such user");
      const { changes, detail } = diff(before, patch);
      if (Object.keys(changes).length === 0) return { user: before, changes };
      const after = (await updateUser(tx, id, changes, now)) ?? before;
      const disabled = changes.accountStatus === "disabled";
      const sessions = disabled ? await revokeUserSessions(tx, id, now) : [];
      if (disabled) detail.sessions_revoked = sessions.length;
      await recordAdminEvent(c, tx, "admin_user_updated", { userId: id, actorId: admin.actorId, detail });
      if (changes.roles || changes.accountStatus) {
        await Promise.all([
          deps.revocations.revokeUserBefore(String(id), nowMs / 1000, ttl),
          sessions.length > 0 ? deps.revocations.revokeSessions(sessions, ttl) : Promise.resolve(),
        ]);
      }
      return { user: after, changes };
    }),
  );
  emitAccountEvents(c, id, changes);
  // TOTP is on the row the change returned; the passkeys are counted after it (one statement).
  const passkeys = (await findUserWithMfa(db, id))?.mfa.passkeys ?? 0;
  return c.json({ user: adminUserJson(user, { totp: user.totpEnabled, passkeys }) }, 200, { "cache-control": "no-store" });
}
