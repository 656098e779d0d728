/**
 * Password recovery and email verification:
 * POST /auth/password/forgot, POST /auth/password/reset,
 * POST /auth/email/verify, POST /auth/email/verify/request.
 *
 * forgot answers the same 202 bytes after the same work for every email: the
 * lookup, the token and the mail all happen after the response (waitUntil).
 */
import type { Context } from "hono";
import { findResetOwner, resetPassword, verifyEmail } from "../../db/repositories/recovery";
import { findUserByEmail, findUserById } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import { ForgotPasswordBody, ResetPasswordBody, TokenBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit, auditRecord, logAudit } from "../audit";
import { requirePrincipal } from "../authenticate";
import { clientInfo } from "../client-info";
import { parseEmail } from "../email";
import { notify } from "../notify";
import { issueOneTimeToken } from "../one-time-tokens";
import { hashToken, isOpaqueToken } from "../opaque-tokens";
import { assertPasswordPolicy, normalizePassword } from "../passwords";
import { enforceRateLimits } from "../rate-limit";
import { retryAfterCommit, revokeReliably } from "../revoke-reliably";
import { userJson } from "../user-json";
import { accepted } from "./register";

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
  await enforceLinkLimit(c);
  if (!isOpaqueToken(fields.token)) throw badToken();
  const db = deps.db();
  const nowMs = deps.now();
  const now = new Date(nowMs);
  const hash = await hashToken(fields.token);
  // Look first (without spending) so a weak new password does not burn the link.
  const user = await findResetOwner(db, hash, now);
  if (!user) throw badToken();
  const password = normalizePassword(fields.password, "password");
  assertPasswordPolicy(password, user.email, "password");
  const passwordHash = await deps.passwords.hash(password);

  const record = auditRecord(c, "password_reset", { userId: user.id });
  const done = await resetPassword(db, { hash, userId: user.id, passwordHash, now, event: record });
  if (!done) throw badToken();
  logAudit(c, record);
  // After the commit a retry of this request can no longer finish these: retried until they stick.
  await Promise.all([
    revokeReliably(c, (r) =>
      Promise.all([
        done.sessions.length > 0 ? r.revokeSessions(done.sessions, config.accessTokenTtl) : undefined,
        r.revokeUserBefore(String(user.id), Math.floor(nowMs / 1000), config.accessTokenTtl),
      ]),
    ),
    retryAfterCommit(c, () => deps.lockouts.reset(user.email)),
  ]);
  deps.events.emit("password.reset", { user_id: String(user.id), sessions_revoked: done.sessions.length });
  // The reset proves the address (the link went to it): an unverified email is now verified.
  if (!user.emailVerified) deps.events.emit("user.email_verified", { user_id: String(user.id) });
  notify(c, async () => ({ kind: "password_changed", to: user.email, fullName: user.fullName }));
  return c.body(null, 204, { "cache-control": "no-store" });
}

export async function verifyEmailHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const fields = parseBody(await readJsonObject(c.req.raw), TokenBody);
  await enforceLinkLimit(c);
  if (!isOpaqueToken(fields.token)) throw badToken();
  const record = auditRecord(c, "email_verified");
  const user = await verifyEmail(deps.db(), { hash: await hashToken(fields.token), now: new Date(deps.now()), event: record });
  if (!user) throw badToken();
  logAudit(c, record, user.id);
  deps.events.emit("user.email_verified", { user_id: String(user.id) });
  return c.json({ user: userJson(user) }, 200, { "cache-control": "no-store" });
}

/** Per-IP limit of the token-bearing link endpoints (each opens a database connection; reset hashes). */
function enforceLinkLimit(c: Context<AppEnv>): Promise<void> {
  const ip = clientInfo(c).ip ?? "";
  return enforceRateLimits(c, [{ key: `link-ip:${ipRateKey(ip)}`, policy: c.get("deps").config.rateLimits.linkIp }]);
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
