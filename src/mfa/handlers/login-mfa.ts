/**
 * POST /auth/login/mfa: finishes a password login with a TOTP code or a
 * recovery code, in the transport of the login that issued the `mfa_token`.
 *
 * Order: body shape and code format (422, nothing changed); the login limit
 * of the IP; one attempt reserved on the challenge before any code is checked
 * (at most 5 codes per mfa_token, even all at once); the transport binding
 * and, for cookies, CSRF; the email's lock; then the code, spent when right
 * (a TOTP step once, a recovery code once). A wrong code counts toward the
 * email's lockout like a wrong password. Success uses the challenge up
 * (exactly one winner) and starts a session with amr ["pwd","otp","mfa"].
 */
import type { Context } from "hono";
import { AMR_PASSWORD_OTP } from "../../auth/amr";
import { audit, auditRecord, logAudit } from "../../auth/audit";
import { clientInfo } from "../../auth/client-info";
import { assertSameOrigin } from "../../auth/csrf";
import { respondWithSession } from "../../auth/issue-session";
import { notify } from "../../auth/notify";
import { hashToken, isOpaqueToken } from "../../auth/opaque-tokens";
import { enforceRateLimits } from "../../auth/rate-limit";
import { startSession } from "../../auth/sessions";
import { reserveChallengeAttempt, useChallenge } from "../../db/repositories/mfa";
import { findUserById, recordLoginFailure } from "../../db/repositories/users";
import { GatewayError, validationError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import type { AppEnv } from "../../http/types";
import { lockedError } from "../../auth/lockout";
import { requireRecoveryCode, requireTotpCode, type PresentedCode } from "../codes";
import { acceptCode } from "../factor";
import { countWrongCode } from "../password-recheck";
import { LoginMfaBody } from "../schemas";

const invalidToken = () =>
  new GatewayError("invalid_token", "The mfa_token is unknown, expired, used, or was ended by too many wrong codes", {
    status: 400,
  });

export async function loginMfaHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const fields = parseBody(await readJsonObject(c.req.raw), LoginMfaBody);
  if ((fields.code === undefined) === (fields.recovery_code === undefined)) {
    throw validationError([{ field: "code", message: "send exactly one of code and recovery_code" }]);
  }
  const presented: PresentedCode =
    fields.code !== undefined
      ? { kind: "totp", code: requireTotpCode(fields.code) }
      : { kind: "recovery", code: requireRecoveryCode(fields.recovery_code ?? "") };

  const client = clientInfo(c);
  await enforceRateLimits(c, [{ key: `login:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.login }]);
  if (!isOpaqueToken(fields.mfa_token)) throw invalidToken();

  const db = deps.db();
  const nowMs = deps.now();
  const challenge = await reserveChallengeAttempt(db, await hashToken(fields.mfa_token), new Date(nowMs));
  if (!challenge) throw invalidToken();
  if (fields.transport !== undefined && fields.transport !== challenge.transport) throw invalidToken();
  if (challenge.transport === "cookie") assertSameOrigin(c.req.raw, config);

  const user = await findUserById(db, challenge.userId);
  if (!user || !user.totpEnabled) throw invalidToken();
  if (user.accountStatus !== "active") throw new GatewayError("account_disabled", "This account is disabled");
  const lock = await deps.lockouts.state(user.email, nowMs);
  if (lock.locked) {
    audit(c, "login_locked", { userId: user.id, detail: { reason: "locked", step: "mfa" } });
    throw lockedError(lock.lockedUntil, nowMs);
  }

  if (!(await acceptCode(db, config, user.id, presented, nowMs))) {
    const after = await countWrongCode(c, user.email);
    deps.defer(recordLoginFailure(db, user.id, after.failures, after.locked ? new Date(after.lockedUntil) : null));
    audit(c, "mfa_code_failed", { userId: user.id, detail: { at: "login", method: presented.kind, locked: after.locked } });
    throw new GatewayError("invalid_code", "The code is incorrect or was already used");
  }
  if (!(await useChallenge(db, challenge.id, new Date(nowMs)))) throw invalidToken();

  if (lock.failures > 0) await deps.lockouts.reset(user.email);
  // One write: the user row, the session's first token (amr pwd+otp) and the audit row.
  const record = auditRecord(c, "login_succeeded", { userId: user.id, detail: { transport: challenge.transport, mfa: presented.kind } });
  const started = await startSession(db, config, { userId: user.id, nowMs, client, amr: AMR_PASSWORD_OTP, event: record });
  if (!started) throw invalidToken();
  logAudit(c, record);
  if (presented.kind === "recovery") {
    audit(c, "recovery_code_used", { userId: user.id });
    notify(c, async () => ({ kind: "recovery_code_used", to: user.email, fullName: user.fullName }));
  }
  return respondWithSession(c, started.user, started.session, challenge.transport);
}
