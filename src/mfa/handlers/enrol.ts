/**
 * GET /auth/mfa, POST /auth/mfa/totp/setup and POST /auth/mfa/totp/confirm.
 *
 * Setup re-checks the password (counted toward the lockout), then stores a
 * pending secret (replacing any earlier pending one) and answers it with its
 * otpauth:// URL and a QR code; login is unchanged until confirm. Confirm
 * checks a code against the pending secret and turns TOTP on in one
 * conditional update (two confirms at once: exactly one wins), issues 10
 * recovery codes, revokes every other session and mails `mfa_enabled`.
 */
import type { Context } from "hono";
import { renderSVG } from "uqr";
import { audit } from "../../auth/audit";
import { notify } from "../../auth/notify";
import { enableTotp, findTotp, mfaSummary, savePendingTotp } from "../../db/repositories/mfa";
import { countPasskeys } from "../../db/repositories/passkeys";
import { revokeUserSessions } from "../../db/repositories/tokens";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import type { AppEnv } from "../../http/types";
import { signedInUser } from "../account-user";
import { requireTotpCode } from "../codes";
import { openTotpSecret, totpAad } from "../factor";
import { recheckPassword } from "../password-recheck";
import { newRecoveryCodes, recoveryCodeHash } from "../recovery-codes";
import { secretBox } from "../secret-box";
import { CodeBody, PasswordBody } from "../schemas";
import { matchTotp, newTotpSecret, otpauthUrl } from "../totp";

const NO_STORE = { "cache-control": "no-store" };

export async function mfaStatusHandler(c: Context<AppEnv>): Promise<Response> {
  const { user } = await signedInUser(c);
  const db = c.get("deps").db();
  const [summary, passkeys] = await Promise.all([mfaSummary(db, user.id), countPasskeys(db, user.id)]);
  return c.json({ totp: summary.totp, recovery_codes_left: summary.recoveryCodesLeft, passkeys }, 200, NO_STORE);
}

export async function totpSetupHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { user } = await signedInUser(c);
  const fields = parseBody(await readJsonObject(c.req.raw), PasswordBody);
  if (user.totpEnabled) throw new GatewayError("conflict", "TOTP is already on; turn it off first to enrol a new device");
  await recheckPassword(c, user, fields.password);

  const secret = newTotpSecret();
  const sealed = await secretBox(deps.config).seal(secret, totpAad(user.id));
  const saved = await savePendingTotp(deps.db(), user.id, sealed, new Date(deps.now()));
  if (!saved) throw new GatewayError("conflict", "TOTP is already on; turn it off first to enrol a new device");
  const url = otpauthUrl(secret, user.email, deps.config.mfaIssuer);
  audit(c, "mfa_setup_started", { userId: user.id });
  return c.json({ secret, otpauth_url: url, qr_svg: renderSVG(url, { border: 2 }) }, 200, NO_STORE);
}

export async function totpConfirmHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const { principal, user } = await signedInUser(c);
  const fields = parseBody(await readJsonObject(c.req.raw), CodeBody);
  const code = requireTotpCode(fields.code);
  const db = deps.db();
  const row = await findTotp(db, user.id);
  if (!row || row.enabled) {
    throw new GatewayError("conflict", row ? "TOTP is already on" : "There is no pending TOTP enrolment; call setup first");
  }
  const nowMs = deps.now();
  const { secret } = await openTotpSecret(config, user.id, row.secretEncrypted);
  const step = matchTotp(secret, code, nowMs);
  if (step === null) {
    audit(c, "mfa_code_failed", { userId: user.id, detail: { at: "confirm" } });
    throw new GatewayError("invalid_code", "The code does not match the pending secret");
  }
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((k) => recoveryCodeHash(user.id, k)));
  const now = new Date(nowMs);
  const won = await enableTotp(db, user.id, row.secretEncrypted, step, hashes, now);
  if (!won) throw new GatewayError("conflict", "TOTP was turned on (or the enrolment replaced) by another request");

  const others = await revokeUserSessions(db, user.id, now, principal.sessionId);
  if (others.length > 0) await deps.revocations.revokeSessions(others, config.accessTokenTtl);
  audit(c, "mfa_enabled", { userId: user.id, detail: { sessions_revoked: others.length } });
  deps.events.emit("mfa.enabled", { user_id: String(user.id), factor: "totp", sessions_revoked: others.length });
  notify(c, async () => ({ kind: "mfa_enabled", to: user.email, fullName: user.fullName }));
  return c.json({ recovery_codes: codes }, 200, NO_STORE);
}
