/**
 * The re-check of DELETE /auth/me: the password and, when TOTP is on, a
 * second code (API.md: "`password`, and `code` when TOTP is on"; 401
 * `invalid_credentials` / `invalid_code`).
 *
 * Both secrets are checked under one lockout reservation of the email, made
 * before the hash: a wrong password or a wrong code counts one failure, like
 * a wrong code at /auth/login/mfa, so a stolen access token plus a known
 * password cannot be used to guess codes (10 wrong ones lock the email, even
 * all at once). A missing code is refused without counting (it guesses
 * nothing). The code is a TOTP code (its 30 s step is spent, so a replay is
 * refused) or a recovery code (spent; a `recovery_code_used` mail goes to
 * the address being erased).
 *
 * Whether TOTP is on is read from the user row loaded before the checks, so
 * a deletion racing another one that already erased the factor is refused
 * (its code can no longer be accepted) instead of slipping through.
 */
import type { Context } from "hono";
import { audit } from "../auth/audit";
import { reserveAttempt } from "../auth/lockout";
import { notify } from "../auth/notify";
import { findTotp } from "../db/repositories/mfa";
import type { UserRow } from "../db/schema";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { readEitherCode, type PresentedCode } from "../mfa/codes";
import { acceptCode } from "../mfa/factor";
import { checkPasswordUnder } from "./recheck";

/** The body's `code`, read by its shape (422 when it can be neither kind); undefined when absent. */
export function presentedCode(code: string | undefined): PresentedCode | undefined {
  return code === undefined ? undefined : readEitherCode(code, "code");
}

/** Throws 401 `invalid_credentials` / `invalid_code` (or 429 `account_locked`) unless both factors hold. */
export async function recheckAllFactors(
  c: Context<AppEnv>,
  user: UserRow,
  password: string,
  presented: PresentedCode | undefined,
): Promise<void> {
  const deps = c.get("deps");
  const db = deps.db();
  const attempt = await reserveAttempt(deps, user.email);
  try {
    await checkPasswordUnder(c, attempt, user, password);
    const totp = await findTotp(db, user.id);
    if (!user.totpEnabled && !totp?.enabled) return;
    if (!presented) {
      throw new GatewayError("invalid_code", "This account has TOTP on: send a code from the authenticator app or a recovery code");
    }
    if (!(await acceptCode(db, deps.config, user.id, presented, deps.now(), totp))) {
      const after = await attempt.settle(false);
      audit(c, "mfa_code_failed", { userId: user.id, detail: { at: "account_delete", method: presented.kind, locked: after.locked } });
      throw new GatewayError("invalid_code", "The code is incorrect or was already used");
    }
  } finally {
    attempt.release();
  }
  if (presented?.kind === "recovery") {
    audit(c, "recovery_code_used", { userId: user.id });
    notify(c, async () => ({ kind: "recovery_code_used", to: user.email, fullName: user.fullName }));
  }
}
