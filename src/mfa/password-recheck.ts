/**
 * The password re-check of the MFA endpoints (TOTP setup, turning TOTP off):
 * refused while the email is locked, and a wrong password counts toward the
 * same per-email lockout as a failed login, so a stolen access token cannot
 * be used to guess the password.
 */
import type { Context } from "hono";
import type { UserRow } from "../db/schema";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { lockedError, reserveAttempt } from "../auth/lockout";
import { normalizePassword } from "../auth/passwords";

export async function assertNotLocked(c: Context<AppEnv>, email: string): Promise<void> {
  const deps = c.get("deps");
  const nowMs = deps.now();
  const lock = await deps.lockouts.state(email, nowMs);
  if (lock.locked) throw lockedError(lock.lockedUntil, nowMs);
}

/** Verifies `password` for `user` or throws 401 `invalid_credentials` (429 while locked). */
export async function recheckPassword(c: Context<AppEnv>, user: UserRow, password: string): Promise<void> {
  const deps = c.get("deps");
  await assertNotLocked(c, user.email);
  let normalised: string | undefined;
  try {
    normalised = normalizePassword(password, "password");
  } catch {
    normalised = undefined; // malformed input is a wrong password, not a hint
  }
  const attempt = await reserveAttempt(deps, user.email);
  try {
    const check = await deps.passwords.verify(normalised ?? "\u0000invalid", user.passwordHash);
    if (!check.ok || normalised === undefined) {
      await attempt.settle(false);
      throw new GatewayError("invalid_credentials", "The password is incorrect");
    }
  } finally {
    // A right password gives the place back without clearing the count: only a login does that.
    attempt.release();
  }
}

/** A wrong second-factor code: counted toward the email's lockout, then 401 `invalid_code`. */
export async function wrongCode(c: Context<AppEnv>, email: string): Promise<never> {
  const deps = c.get("deps");
  await countWrongCode(c, email);
  throw new GatewayError("invalid_code", "The code is incorrect or was already used");
}

/** Counts one wrong code toward the email's lockout (429 `account_locked` once locked). */
export async function countWrongCode(c: Context<AppEnv>, email: string) {
  const attempt = await reserveAttempt(c.get("deps"), email);
  return attempt.settle(false);
}
