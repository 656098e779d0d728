/**
 * POST /auth/password/change: the current password (counted by the same
 * per-email lock as logins, so a stolen access token cannot brute-force it),
 * a new one under the same rules, then every other session revoked.
 * Two database round trips: the user row, then one write statement.
 */
import type { Context } from "hono";
import { changePassword, findUserById } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import { PasswordChangeBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit, auditRecord, logAudit } from "../audit";
import { requirePrincipal } from "../authenticate";
import { reserveAttempt } from "../lockout";
import { revokeReliably } from "../revoke-reliably";
import { notify } from "../notify";
import { assertPasswordPolicy, normalizePassword } from "../passwords";

export async function passwordChangeHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const principal = await requirePrincipal(c);
  const body = await readJsonObject(c.req.raw);
  const fields = parseBody(body, PasswordChangeBody);
  const db = deps.db();
  const userId = Number(principal.userId);
  const user = Number.isSafeInteger(userId) ? await findUserById(db, userId) : undefined;
  if (!user) throw new GatewayError("invalid_token", "The access token is invalid");

  const nowMs = deps.now();
  const attempt = await reserveAttempt(deps, user.email);
  let current: string | undefined;
  try {
    current = normalizePassword(fields.current_password, "current_password");
  } catch {
    current = undefined;
  }
  const hasher = deps.passwords;
  let ok: boolean;
  try {
    const check = await hasher.verify(current ?? "\u0000invalid", user.passwordHash, current === undefined ? undefined : fields.current_password);
    ok = check.ok && current !== undefined;
    await attempt.settle(ok);
  } finally {
    attempt.release();
  }
  if (!ok || current === undefined) {
    audit(c, "password_change_failed", { userId });
    throw new GatewayError("invalid_credentials", "The current password is incorrect");
  }
  const next = normalizePassword(fields.new_password, "new_password");
  assertPasswordPolicy(next, user.email, "new_password");

  const record = auditRecord(c, "password_changed", { userId });
  // One statement: the new hash, every other session revoked, the audit row.
  const others = await changePassword(db, { userId, passwordHash: await hasher.hash(next), at: new Date(nowMs), keepSessionId: principal.sessionId, event: record });
  if (others.length > 0) await revokeReliably(c, (r) => r.revokeSessions(others, config.accessTokenTtl));
  logAudit(c, record);
  deps.events.emit("password.changed", { user_id: String(userId), sessions_revoked: others.length });
  notify(c, async () => ({ kind: "password_changed", to: user.email, fullName: user.fullName }));
  return c.body(null, 204, { "cache-control": "no-store" });
}
