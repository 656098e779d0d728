/**
 * Password recovery and email verification:
 * POST /auth/password/forgot, POST /auth/password/reset,
 * POST /auth/email/verify, POST /auth/email/verify/request.
 *
 * forgot answers the same 202 bytes after the same work for every email: the
 * lookup, the token and the mail all happen after the response (waitUntil).
 */
import type { Context } from "hono";
import { revokeUserSessions, findToken } from "../../db/repositories/tokens";
import { findUserByEmail, findUserById, markEmailVerified } from "../../db/repositories/users";
import { guardDb } from "../../db/guard";
import { users } from "../../db/schema";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import { ForgotPasswordBody, ResetPasswordBody, TokenBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit } from "../audit";
import { requirePrincipal } from "../authenticate";
import { clientInfo } from "../client-info";
import { parseEmail } from "../email";
import { notify } from "../notify";
import { issueOneTimeToken, spendOneTimeToken } from "../one-time-tokens";
import { hashToken, isOpaqueToken } from "../opaque-tokens";
import { assertPasswordPolicy, normalizePassword } from "../passwords";
import { enforceRateLimits } from "../rate-limit";
import { userJson } from "../user-json";
import { accepted } from "./register";
import { eq } from "drizzle-orm";

const badToken = () => new GatewayError("invalid_token", "This link is invalid or has expired", { status: 400 });

export async function forgotPasswordHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const fields = parseBody(await readJsonObject(c.req.raw), ForgotPasswordBody);
  const email = parseEmail(fields.email);
  const client = clientInfo(c);
  await enforceRateLimits(c, [
    { key: `forgot-ip:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.forgotIp },
    { key: `forgot-email:${email}`, policy: config.rateLimits.forgotEmail },
  ]);
  const nowMs = deps.now();
  const db = deps.db();
  notify(c, async () => {
    const user = await findUserByEmail(db, email);
    if (!user || user.accountStatus !== "active") return undefined;
    const token = await issueOneTimeToken(db, "password_reset", user.id, nowMs, client);
    audit(c, "password_reset_requested", { userId: user.id });
    return { kind: "password_reset", to: user.email, fullName: user.fullName, token };
  });
  return accepted(c);
}

export async function resetPasswordHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const fields = parseBody(await readJsonObject(c.req.raw), ResetPasswordBody);
  if (!isOpaqueToken(fields.token)) throw badToken();
  const db = deps.db();
  const nowMs = deps.now();
  const now = new Date(nowMs);
  // Look first (without spending) so a weak new password does not burn the link.
  const row = await findToken(db, await hashToken(fields.token), "password_reset");
  if (!row || row.isRevoked || row.usedAt || row.expiresAt <= now) throw badToken();
  const user = await findUserById(db, row.userId);
  if (!user) throw badToken();
  const password = normalizePassword(fields.password, "password");
  assertPasswordPolicy(password, user.email, "password");
  const hash = await deps.passwords.hash(password);

  const sessions = await guardDb(() =>
    db.transaction(async (tx) => {
      const spentBy = await spendOneTimeToken(tx, "password_reset", fields.token, nowMs);
      if (spentBy !== user.id) throw badToken();
      await tx
        .update(users)
        .set({ passwordHash: hash, emailVerified: true, failedLoginAttempts: 0, lockedUntil: null, updatedAt: now })
        .where(eq(users.id, user.id));
      return revokeUserSessions(tx, user.id, now);
    }),
  );
  await Promise.all([
    sessions.length > 0 ? deps.revocations.revokeSessions(sessions, config.accessTokenTtl) : Promise.resolve(),
    deps.revocations.revokeUserBefore(String(user.id), Math.floor(nowMs / 1000), config.accessTokenTtl),
    deps.lockouts.reset(user.email),
  ]);
  audit(c, "password_reset", { userId: user.id, detail: { sessions_revoked: sessions.length } });
  deps.events.emit("password.reset", { user_id: String(user.id), sessions_revoked: sessions.length });
  // The reset proves the address (the link went to it): an unverified email is now verified.
  if (!user.emailVerified) deps.events.emit("user.email_verified", { user_id: String(user.id) });
  notify(c, async () => ({ kind: "password_changed", to: user.email, fullName: user.fullName }));
  return c.body(null, 204, { "cache-control": "no-store" });
}

export async function verifyEmailHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const fields = parseBody(await readJsonObject(c.req.raw), TokenBody);
  const db = deps.db();
  const nowMs = deps.now();
  const userId = await spendOneTimeToken(db, "email_verification", fields.token, nowMs);
  if (userId === undefined) throw badToken();
  const user = await markEmailVerified(db, userId, new Date(nowMs));
  if (!user) throw badToken();
  audit(c, "email_verified", { userId });
  deps.events.emit("user.email_verified", { user_id: String(userId) });
  return c.json({ user: userJson(user) }, 200, { "cache-control": "no-store" });
}

export async function requestVerificationHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const principal = await requirePrincipal(c);
  await enforceRateLimits(c, [{ key: `verify:${principal.userId}`, policy: deps.config.rateLimits.verify }]);
  const db = deps.db();
  const userId = Number(principal.userId);
  const user = Number.isSafeInteger(userId) ? await findUserById(db, userId) : undefined;
  if (!user) throw new GatewayError("invalid_token", "The access token is invalid");
  if (!user.emailVerified) {
    const nowMs = deps.now();
    const client = clientInfo(c);
    audit(c, "email_verification_requested", { userId });
    notify(c, async () => ({
      kind: "email_verification",
      to: user.email,
      fullName: user.fullName,
      token: await issueOneTimeToken(db, "email_verification", user.id, nowMs, client),
    }));
  }
  return accepted(c);
}
