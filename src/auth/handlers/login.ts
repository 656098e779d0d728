/**
 * POST /auth/login. Order matters: CSRF (a cookie login), body shape, the
 * per-IP limit and the per-email lock (both before any hashing), then exactly
 * one password verification whether or not the email exists.
 */
import type { Context } from "hono";
import { findUserByEmail, recordLoginFailure, recordLoginSuccess } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { validateFields } from "../../http/fields";
import type { AppEnv } from "../../http/types";
import { audit } from "../audit";
import { clientInfo } from "../client-info";
import { assertSameOrigin } from "../csrf";
import { parseEmail } from "../email";
import { respondWithSession, type Transport } from "../issue-session";
import { lockedError } from "../lockout";
import { normalizePassword } from "../passwords";
import { enforceRateLimits } from "../rate-limit";
import { startSession } from "../sessions";

const invalidCredentials = () => new GatewayError("invalid_credentials", "The email or password is incorrect");

export async function loginHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const body = await readJsonObject(c.req.raw);
  const fields = validateFields(body, {
    email: { required: true, maxLength: 320 },
    password: { required: true, maxLength: 1024 },
    transport: { oneOf: ["cookie", "bearer"] },
  });
  const transport = (fields.transport ?? "cookie") as Transport;
  if (transport === "cookie") assertSameOrigin(c.req.raw, config);

  const client = clientInfo(c);
  await enforceRateLimits(c, [{ key: `login:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.login }]);

  const email = parseEmail(fields.email);
  const nowMs = deps.now();
  const db = deps.db();
  // Both before any hashing, in parallel: the lock decides, the row waits.
  const [lock, user] = await Promise.all([deps.lockouts.state(email, nowMs), findUserByEmail(db, email)]);
  if (lock.locked) {
    audit(c, "login_locked", { detail: { reason: "locked" } });
    throw lockedError(lock.lockedUntil, nowMs);
  }

  let password: string | undefined;
  try {
    password = normalizePassword(fields.password, "password");
  } catch {
    password = undefined; // malformed input is a wrong password, not a hint
  }
  const hasher = deps.passwords;
  const result = await hasher.verify(password ?? "\u0000invalid", user?.passwordHash ?? null);

  if (!result.ok || !user || password === undefined) {
    const after = await deps.lockouts.recordFailure(email, nowMs);
    if (user) {
      deps.defer(
        recordLoginFailure(db, user.id, after.failures, after.locked ? new Date(after.lockedUntil) : null),
      );
    }
    audit(c, "login_failed", { userId: user?.id ?? null, detail: { locked: after.locked } });
    throw invalidCredentials();
  }

  if (user.accountStatus !== "active") {
    audit(c, "login_refused", { userId: user.id, detail: { reason: "disabled" } });
    throw new GatewayError("account_disabled", "This account is disabled");
  }
  if (config.requireEmailVerification && !user.emailVerified) {
    audit(c, "login_refused", { userId: user.id, detail: { reason: "email_unverified" } });
    throw new GatewayError("email_unverified", "Verify your email address before logging in");
  }

  if (lock.failures > 0) await deps.lockouts.reset(email);
  const rehash = result.needsRehash ? await hasher.hash(password) : undefined;
  const updated = (await recordLoginSuccess(db, user.id, new Date(nowMs), rehash)) ?? user;
  const session = await startSession(db, config, user.id, nowMs, client);
  audit(c, "login_succeeded", { userId: user.id, detail: { transport, rehashed: rehash !== undefined } });
  return respondWithSession(c, updated, session, transport);
}
