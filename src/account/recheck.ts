/**
 * The password re-check of sensitive account actions (email change, account
 * deletion): the same per-email lock as logins, with the exact reservation
 * (reserve before the hash, settle after), so a stolen access token cannot
 * brute-force the password through these endpoints either. A wrong password
 * counts toward the lockout and answers 401 `invalid_credentials`. A right
 * one gives its place back without clearing the count: only a completed
 * login (or a password reset) does that, so a known password cannot be used
 * here to wipe a count of wrong second-factor codes.
 */
import type { Context } from "hono";
import type { Deps } from "../deps";
import type { UserRow } from "../db/schema";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { reserveAttempt, type AttemptHandle } from "../auth/lockout";
import { normalizePassword } from "../auth/passwords";

/** Whether `raw` is the user's password (no lockout bookkeeping: the caller holds a reservation). */
export async function passwordMatches(deps: Pick<Deps, "passwords">, user: UserRow, raw: string): Promise<boolean> {
  let password: string | undefined;
  try {
    password = normalizePassword(raw, "password");
  } catch {
    password = undefined; // malformed input is a wrong password, not a hint
  }
  const check = await deps.passwords.verify(password ?? "\u0000invalid", user.passwordHash);
  return check.ok && password !== undefined;
}

/** Checks the password under `attempt`: a wrong one is counted, audited and answered 401. */
export async function checkPasswordUnder(c: Context<AppEnv>, attempt: AttemptHandle, user: UserRow, raw: string): Promise<void> {
  if (await passwordMatches(c.get("deps"), user, raw)) return;
  await attempt.settle(false);
  audit(c, "password_recheck_failed", { userId: user.id });
  throw new GatewayError("invalid_credentials", "The password is incorrect");
}

export async function recheckPassword(c: Context<AppEnv>, user: UserRow, raw: string): Promise<void> {
  const attempt = await reserveAttempt(c.get("deps"), user.email);
  try {
    await checkPasswordUnder(c, attempt, user, raw);
  } finally {
    attempt.release();
  }
}
