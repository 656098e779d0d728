/**
 * POST /auth/mfa/recovery-codes (a TOTP code buys a new set of 10; the old
 * set stops working) and DELETE /auth/mfa/totp (password and a TOTP or
 * recovery code turn TOTP off; the recovery codes go with it). Wrong codes
 * here count toward the email's lockout, as at login: a stolen access token
 * must not be a way to guess them.
 */
import type { Context } from "hono";
import { audit } from "../../auth/audit";
import { notify } from "../../auth/notify";
import { disableTotp, findTotp, replaceRecoveryCodes } from "../../db/repositories/mfa";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import type { AppEnv } from "../../http/types";
import { signedInUser } from "../account-user";
import { readEitherCode, requireTotpCode } from "../codes";
import { acceptCode, acceptTotp } from "../factor";
import { assertNotLocked, recheckPassword, wrongCode } from "../password-recheck";
import { newRecoveryCodes, recoveryCodeHash } from "../recovery-codes";
import { CodeBody, PasswordAndCodeBody } from "../schemas";

const totpOff = () => new GatewayError("conflict", "TOTP is not on for this account");

export async function regenerateRecoveryCodesHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { user } = await signedInUser(c);
  const fields = parseBody(await readJsonObject(c.req.raw), CodeBody);
  const code = requireTotpCode(fields.code);
  const db = deps.db();
  const row = await findTotp(db, user.id);
  if (!row?.enabled) throw totpOff();
  await assertNotLocked(c, user.email);
  if (!(await acceptTotp(db, deps.config, user.id, row, code, deps.now()))) {
    audit(c, "mfa_code_failed", { userId: user.id, detail: { at: "recovery_codes" } });
    await wrongCode(c, user.email);
  }
  const codes = newRecoveryCodes();
  const hashes = await Promise.all(codes.map((k) => recoveryCodeHash(user.id, k)));
  await replaceRecoveryCodes(db, user.id, hashes, new Date(deps.now()));
  audit(c, "mfa_recovery_codes_regenerated", { userId: user.id });
  return c.json({ recovery_codes: codes }, 200, { "cache-control": "no-store" });
}

export async function disableTotpHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const { user } = await signedInUser(c);
  const fields = parseBody(await readJsonObject(c.req.raw), PasswordAndCodeBody);
  const presented = readEitherCode(fields.code);
  await recheckPassword(c, user, fields.password);
  const db = deps.db();
  const row = await findTotp(db, user.id);
  if (!row?.enabled) throw totpOff();
  if (!(await acceptCode(db, deps.config, user.id, presented, deps.now(), row))) {
    audit(c, "mfa_code_failed", { userId: user.id, detail: { at: "disable" } });
    await wrongCode(c, user.email);
  }
  if (!(await disableTotp(db, user.id, new Date(deps.now())))) throw totpOff();
  audit(c, "mfa_disabled", { userId: user.id, detail: { by: presented.kind } });
  deps.events.emit("mfa.disabled", { user_id: String(user.id), factor: "totp", by: "user" });
  notify(c, async () => ({ kind: "mfa_disabled", to: user.email, fullName: user.fullName }));
  if (presented.kind === "recovery") {
    // Every use of a recovery code is announced (API.md), also the one that turns TOTP off.
    audit(c, "recovery_code_used", { userId: user.id, detail: { at: "disable" } });
    notify(c, async () => ({ kind: "recovery_code_used", to: user.email, fullName: user.fullName }));
  }
  return c.body(null, 204, { "cache-control": "no-store" });
}
