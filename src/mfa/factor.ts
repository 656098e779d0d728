/**
 * Checking a user's second factor, each check spending what it accepts:
 * a TOTP code's step (never accepted twice) or a recovery code (once).
 * A stored secret sealed under a previous MFA key is re-sealed under the
 * current one when its code is accepted.
 */
import type { Config } from "../config";
import type { Database } from "../db";
import { findTotp, spendRecoveryCode, useTotpStep, type TotpRow } from "../db/repositories/mfa";
import { DependencyError } from "../errors";
import type { PresentedCode } from "./codes";
import { recoveryCodeHash } from "./recovery-codes";
import { secretBox } from "./secret-box";
import { matchTotp } from "./totp";

/** The additional data a user's sealed TOTP secret is bound to. */
export function totpAad(userId: number): string {
  return `totp:${userId}`;
}

/** Opens a stored secret; a secret no configured key opens is a server fault (503), not a wrong code. */
export async function openTotpSecret(config: Config, userId: number, sealed: string): Promise<{ secret: string; stale: boolean }> {
  try {
    const { plaintext, stale } = await secretBox(config).open(sealed, totpAad(userId));
    return { secret: plaintext, stale };
  } catch (err) {
    throw new DependencyError("mfa_encryption_key", err);
  }
}

/** True when `code` is a current, unused TOTP code of the enabled factor `row`; spends its step. */
export async function acceptTotp(
  db: Database,
  config: Config,
  userId: number,
  row: TotpRow,
  code: string,
  nowMs: number,
): Promise<boolean> {
  if (!row.enabled) return false;
  const { secret, stale } = await openTotpSecret(config, userId, row.secretEncrypted);
  const step = matchTotp(secret, code, nowMs);
  if (step === null) return false;
  if (row.lastUsedStep !== null && step <= row.lastUsedStep) return false;
  const resealed = stale ? await secretBox(config).seal(secret, totpAad(userId)) : undefined;
  return useTotpStep(db, userId, step, resealed);
}

/** Checks either kind of code against the user's factor; the accepted code is spent. */
export async function acceptCode(
  db: Database,
  config: Config,
  userId: number,
  presented: PresentedCode,
  nowMs: number,
  totp?: TotpRow,
): Promise<boolean> {
  if (presented.kind === "recovery") {
    return spendRecoveryCode(db, userId, await recoveryCodeHash(userId, presented.code), new Date(nowMs));
  }
  const row = totp ?? (await findTotp(db, userId));
  return row ? acceptTotp(db, config, userId, row, presented.code, nowMs) : false;
}
