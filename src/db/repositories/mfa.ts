/**
 * The MFA tables (migrations/0003_mfa.sql): the TOTP factor, recovery codes
 * and login challenges. Every check-then-act is one conditional statement, so
 * concurrent requests cannot both win: a confirm, a TOTP step, a recovery
 * code, a challenge attempt or its use.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import type { Executor } from "./tokens";

export interface TotpRow {
  secretEncrypted: string;
  enabled: boolean;
  lastUsedStep: number | null;
}

export interface MfaSummary {
  totp: boolean;
  recoveryCodesLeft: number;
}

export interface ChallengeRow {
  id: number;
  userId: number;
  transport: "cookie" | "bearer";
  attempts: number;
}

/** The most codes one mfa_token may be tried with. */
export const MAX_CHALLENGE_ATTEMPTS = 5;

function rows<T>(res: { rows: unknown[] }): T[] {
  return res.rows as T[];
}

export async function mfaSummary(db: Executor, userId: number): Promise<MfaSummary> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = ${userId} AND enabled_at IS NOT NULL) AS totp,
             (SELECT count(*) FROM user_recovery_codes WHERE user_id = ${userId} AND used_at IS NULL)::int AS left`);
    const row = rows<{ totp: boolean; left: number }>(res)[0];
    return { totp: row?.totp === true, recoveryCodesLeft: Number(row?.left ?? 0) };
  });
}

export async function findTotp(db: Executor, userId: number): Promise<TotpRow | undefined> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      SELECT secret_encrypted, enabled_at IS NOT NULL AS enabled, last_used_step
      FROM user_totp WHERE user_id = ${userId}`);
    const row = rows<{ secret_encrypted: string; enabled: boolean; last_used_step: string | null }>(res)[0];
    if (!row) return undefined;
    return {
      secretEncrypted: row.secret_encrypted,
      enabled: row.enabled,
      lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    };
  });
}

/** Stores (or replaces) a pending enrolment; false when TOTP is already on. */
export async function savePendingTotp(db: Executor, userId: number, sealed: string, at: Date): Promise<boolean> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      INSERT INTO user_totp (user_id, secret_encrypted, created_at, updated_at)
      VALUES (${userId}, ${sealed}, ${at}, ${at})
      ON CONFLICT (user_id) DO UPDATE
        SET secret_encrypted = excluded.secret_encrypted, last_used_step = NULL,
            created_at = excluded.created_at, updated_at = excluded.updated_at
        WHERE user_totp.enabled_at IS NULL
      RETURNING user_id`);
    return res.rows.length === 1;
  });
}

/**
 * Turns the pending enrolment `sealed` on, spending `step`, and stores a new
 * recovery set; false when another request won (or the secret was replaced).
 */
export async function enableTotp(
  db: Database,
  userId: number,
  sealed: string,
  step: number,
  recoveryHashes: readonly string[],
  at: Date,
): Promise<boolean> {
  return guardDb(() =>
    db.transaction(async (tx) => {
      const res = await tx.execute(sql`
        UPDATE user_totp SET enabled_at = ${at}, last_used_step = ${step}, updated_at = ${at}
        WHERE user_id = ${userId} AND enabled_at IS NULL AND secret_encrypted = ${sealed}
        RETURNING user_id`);
      if (res.rows.length !== 1) return false;
      await tx.execute(sql`UPDATE users SET totp_enabled = true, updated_at = ${at} WHERE id = ${userId}`);
      await replaceRecoveryCodes(tx, userId, recoveryHashes, at);
      return true;
    }),
  );
}

/**
 * Accepts TOTP step `step` once: true only if it is newer than every step
 * used before (two requests with one code: exactly one wins). `resealed`
 * replaces a secret sealed under a previous key.
 */
export async function useTotpStep(db: Executor, userId: number, step: number, resealed?: string): Promise<boolean> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      UPDATE user_totp
        SET last_used_step = ${step}, secret_encrypted = COALESCE(${resealed ?? null}, secret_encrypted)
      WHERE user_id = ${userId} AND enabled_at IS NOT NULL
        AND (last_used_step IS NULL OR last_used_step < ${step})
      RETURNING user_id`);
    return res.rows.length === 1;
  });
}

/** Replaces a user's recovery set (the old codes stop working in the same statement group). */
export async function replaceRecoveryCodes(db: Executor, userId: number, hashes: readonly string[], at: Date): Promise<void> {
  await guardDb(async () => {
    await db.execute(sql`DELETE FROM user_recovery_codes WHERE user_id = ${userId}`);
    if (hashes.length === 0) return;
    const values = sql.join(
      hashes.map((h) => sql`(${userId}, ${h}, ${at})`),
      sql`, `,
    );
    await db.execute(sql`INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES ${values}`);
  });
}

/** Spends a recovery code: true once per code, whatever the concurrency. */
export async function spendRecoveryCode(db: Executor, userId: number, hash: string, at: Date): Promise<boolean> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      UPDATE user_recovery_codes SET used_at = ${at}
      WHERE user_id = ${userId} AND code_hash = ${hash} AND used_at IS NULL
        AND EXISTS (SELECT 1 FROM user_totp WHERE user_id = ${userId} AND enabled_at IS NOT NULL)
      RETURNING id`);
    return res.rows.length === 1;
  });
}

/**
 * Removes a user's TOTP factor (pending or on), every recovery code, and the
 * user's flag, inside the caller's transaction. True when TOTP was on.
 * An admin's "lost device" reset runs it in the admin's transaction.
 */
export async function removeTotp(tx: Executor, userId: number, at: Date): Promise<boolean> {
  return guardDb(async () => {
    const res = await tx.execute(sql`
      DELETE FROM user_totp WHERE user_id = ${userId} RETURNING enabled_at IS NOT NULL AS enabled`);
    await tx.execute(sql`DELETE FROM user_recovery_codes WHERE user_id = ${userId}`);
    await tx.execute(sql`UPDATE users SET totp_enabled = false, updated_at = ${at} WHERE id = ${userId} AND totp_enabled`);
    return rows<{ enabled: boolean }>(res)[0]?.enabled === true;
  });
}

/** Turns TOTP off in one transaction; false when it was not on (nothing changes then). */
export async function disableTotp(db: Database, userId: number, at: Date): Promise<boolean> {
  return guardDb(() =>
    db.transaction(async (tx) => {
      const res = await tx.execute(sql`
        SELECT 1 FROM user_totp WHERE user_id = ${userId} AND enabled_at IS NOT NULL FOR UPDATE`);
      if (res.rows.length !== 1) return false;
      return removeTotp(tx, userId, at);
    }),
  );
}

export async function insertChallenge(
  db: Executor,
  c: { hash: string; userId: number; transport: "cookie" | "bearer"; expiresAt: Date; at: Date },
): Promise<void> {
  await guardDb(() =>
    db.execute(sql`
      INSERT INTO mfa_challenges (token_hash, user_id, transport, expires_at, created_at)
      VALUES (${c.hash}, ${c.userId}, ${c.transport}, ${c.expiresAt}, ${c.at})`),
  );
}

/**
 * Reserves one attempt on a live challenge before its code is checked, so no
 * more than MAX_CHALLENGE_ATTEMPTS codes are ever tried on one mfa_token, even
 * all at once. Undefined when it is unknown, expired, used or spent.
 */
export async function reserveChallengeAttempt(db: Executor, hash: string, now: Date): Promise<ChallengeRow | undefined> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      UPDATE mfa_challenges SET attempts = attempts + 1
      WHERE token_hash = ${hash} AND used_at IS NULL AND expires_at > ${now}
        AND attempts < ${MAX_CHALLENGE_ATTEMPTS}
      RETURNING id, user_id, transport, attempts`);
    const row = rows<{ id: string; user_id: string; transport: "cookie" | "bearer"; attempts: number }>(res)[0];
    if (!row) return undefined;
    return { id: Number(row.id), userId: Number(row.user_id), transport: row.transport, attempts: Number(row.attempts) };
  });
}

/** Marks a challenge used; true for exactly one caller. */
export async function useChallenge(db: Executor, id: number, now: Date): Promise<boolean> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      UPDATE mfa_challenges SET used_at = ${now} WHERE id = ${id} AND used_at IS NULL RETURNING id`);
    return res.rows.length === 1;
  });
}

/** Deletes challenges past their expiry (the cleanup cron). */
export async function deleteExpiredChallenges(db: Executor, now: Date): Promise<number> {
  return guardDb(async () => {
    const res = await db.execute(sql`DELETE FROM mfa_challenges WHERE expires_at < ${now}`);
    return res.rowCount ?? 0;
  });
}
