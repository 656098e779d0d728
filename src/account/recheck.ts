/**
 * The password re-check of sensitive account actions (email change, account
 * deletion): the same per-email lock as logins, with the exact reservation
 * (reserve before the hash, settle after), so a stolen access token cannot
 * brute-force the password through these endpoints either. A wrong password
 * counts toward the lockout and answers 401 `invalid_credentials`.
 */
import type { Context } from "hono";
import type { UserRow } from "../db/schema";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { reserveAttempt } from "../auth/lockout";
import { normalizePassword } from "../auth/passwords";

export async function recheckPassword(c: Context<AppEnv>, user: UserRow, raw: string): Promise<void> {
  const deps = c.get("deps");
  const attempt = await reserveAttempt(deps, user.email);
  let password: string | undefined;
  try {
    password = normalizePassword(raw, "password");
  } catch {
    password = undefined;
  }
  let ok: boolean;
  try {
    ok = (await deps.passwords.verify(password ?? "\u0000invalid", user.passwordHash)).ok && password !== undefined;
    await attempt.settle(ok);
  } finally {
    attempt.release();
  }
  if (!ok) {
    audit(c, "password_recheck_failed", { userId: user.id });
    throw new GatewayError("invalid_credentials", "The password is incorrect");
  }
}
