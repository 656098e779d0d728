/**
 * The password re-check of sensitive account actions (email change, account
 * deletion): the same per-email lock as logins, so a stolen access token
 * cannot brute-force the password through these endpoints either. A wrong
 * password counts toward the lockout and answers 401 `invalid_credentials`.
 */
import type { Context } from "hono";
import type { UserRow } from "../db/schema";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { lockedError } from "../auth/lockout";
import { normalizePassword } from "../auth/passwords";

export async function recheckPassword(c: Context<AppEnv>, user: UserRow, raw: string): Promise<void> {
  const deps = c.get("deps");
  const nowMs = deps.now();
  const lock = await deps.lockouts.state(user.email, nowMs);
  if (lock.locked) throw lockedError(lock.lockedUntil, nowMs);
  let password: string | undefined;
  try {
    password = normalizePassword(raw, "password");
  } catch {
    password = undefined;
  }
  const check = await deps.passwords.verify(password ?? "\u0000invalid", user.passwordHash);
  if (!check.ok || password === undefined) {
    await deps.lockouts.recordFailure(user.email, nowMs);
    audit(c, "password_recheck_failed", { userId: user.id });
    throw new GatewayError("invalid_credentials", "The password is incorrect");
  }
  if (lock.failures > 0) await deps.lockouts.reset(user.email);
}
