/**
 * POST /auth/login. Order matters: CSRF (a cookie login), body shape, the
 * per-IP limit and the per-email lock (both before any hashing), then exactly
 * one password verification whether or not the email exists.
 *
 * Two database round trips: the user row (read with the lock state, before
 * the hash), then one statement after it (user row, session, audit row).
 */
import type { Context } from "hono";
import { findUserByEmail, recordLoginFailure, updatePasswordHash } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import { LoginBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit, auditRecord, logAudit } from "../audit";
import { clientInfo } from "../client-info";
import { assertSameOrigin } from "../csrf";
import { parseEmail } from "../email";
import { respondWithSession, type Transport } from "../issue-session";
import { reserveAlongside, type AttemptHandle } from "../lockout";
import { normalizePassword } from "../passwords";
import { enforceRateLimits } from "../rate-limit";
import { startSession } from "../sessions";
import { mfaRequiredError } from "../../mfa/challenge";

const invalidCredentials = () => new GatewayError("invalid_credentials", "The email or password is incorrect");

export async function loginHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const body = await readJsonObject(c.req.raw);
  const fields = parseBody(body, LoginBody);
  const transport: Transport = fields.transport ?? "cookie";
  if (transport === "cookie") assertSameOrigin(c.req.raw, config);

  const client = clientInfo(c);
  await enforceRateLimits(c, [{ key: `login:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.login }]);

  const email = parseEmail(fields.email);
  const nowMs = deps.now();
  const db = deps.db();
  // Both before any hashing, in parallel: the lock reserves this check (or refuses), the row waits.
  let attempt: AttemptHandle;
  let user: Awaited<ReturnType<typeof findUserByEmail>>;
  try {
    [attempt, user] = await reserveAlongside(deps, email, findUserByEmail(db, email));
  } catch (err) {
    if (err instanceof GatewayError && err.code === "account_locked") audit(c, "login_locked", { detail: { reason: "locked" } });
    throw err;
  }
  try {
    return await checkAndRespond(c, email, fields.password, transport, nowMs, attempt, user);
  } finally {
    attempt.release();
  }
}

async function checkAndRespond(
  c: Context<AppEnv>,
  email: string,
  rawPassword: string,
  transport: Transport,
  nowMs: number,
  attempt: AttemptHandle,
  user: Awaited<ReturnType<typeof findUserByEmail>>,
): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const db = deps.db();
  const client = clientInfo(c);

  let password: string | undefined;
  try {
    password = normalizePassword(rawPassword, "password");
  } catch {
    password = undefined; // malformed input is a wrong password, not a hint
  }
  const hasher = deps.passwords;
  const result = await hasher.verify(password ?? "\u0000invalid", user?.passwordHash ?? null, password === undefined ? undefined : rawPassword);

  if (!result.ok || !user || password === undefined) {
    const after = await attempt.settle(false);
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

  if (user.totpEnabled) {
    // No session yet, and the failure count stays: only the second factor clears it,
    // so a known password cannot be used to reset the count of wrong codes.
    attempt.release();
    if (result.needsRehash) await updatePasswordHash(db, user.id, await hasher.hash(password), new Date(nowMs));
    audit(c, "login_mfa_required", { userId: user.id, detail: { transport } });
    throw await mfaRequiredError(db, user.id, transport, nowMs);
  }
  // Clears the count; runs beside the write below, a failure of its own only leaves the place to expire.
  const cleared = attempt.settle(true).catch(() => undefined);
  const rehash = result.needsRehash ? await hasher.hash(password) : undefined;
  // One write after the hash: the user row, the session's first token and the audit row.
  const record = auditRecord(c, "login_succeeded", { userId: user.id, detail: { transport, rehashed: rehash !== undefined } });
  // The clock after the hash: cookie lifetimes are computed from the time the session starts.
  const started = await startSession(db, config, { userId: user.id, nowMs: deps.now(), client, newPasswordHash: rehash, event: record });
  await cleared;
  if (!started) throw invalidCredentials();
  logAudit(c, record);
  return respondWithSession(c, started.user, started.session, transport);
}
