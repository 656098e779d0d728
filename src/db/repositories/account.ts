/**
 * Account self-service queries: the display name, pending email changes, the
 * email swap, and the erasure of a deleted account. Each write is one
 * statement or one transaction, so a concurrent request sees before or after,
 * never half.
 */
import { and, eq, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import { emailChanges, users, type UserRow } from "../schema";
import { revokeOneTimeTokens, revokeUserSessions } from "./tokens";

export async function updateFullName(db: Database, id: number, fullName: string | null, at: Date): Promise<UserRow | undefined> {
  return guardDb(async () => {
    const rows = await db
      .update(users)
      .set({ fullName, updatedAt: at })
      .where(and(eq(users.id, id), eq(users.accountStatus, "active")))
      .returning();
    return rows[0];
  });
}

/** Records a pending change (superseding the user's older ones) in one transaction. */
export async function insertEmailChange(
  db: Database,
  input: { userId: number; tokenHash: string; newEmail: string; expiresAt: Date; at: Date },
): Promise<void> {
  await guardDb(() =>
    db.transaction(async (tx) => {
      await tx
        .update(emailChanges)
        .set({ revokedAt: input.at })
        .where(and(eq(emailChanges.userId, input.userId), isNull(emailChanges.usedAt), isNull(emailChanges.revokedAt)));
      await tx.insert(emailChanges).values({
        userId: input.userId,
        tokenHash: input.tokenHash,
        newEmail: input.newEmail,
        expiresAt: input.expiresAt,
      });
    }),
  );
}

export type ConfirmOutcome =
  | { kind: "changed"; user: UserRow; oldEmail: string; sessions: string[] }
  | { kind: "invalid" }
  | { kind: "taken" };

class Taken extends Error {}

/** The address is taken: our own check (Taken) or the unique index (23505), however wrapped. */
function isTaken(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof Taken) return true;
    if (typeof e === "object" && "code" in e && (e as { code: unknown }).code === "23505") return true;
    e = typeof e === "object" && "cause" in e ? (e as { cause: unknown }).cause : undefined;
  }
  return false;
}

/**
 * Spends the link and moves the account to its new address, verified, with
 * every session and every link sent to the old address revoked: all in one
 * transaction. The address taken meanwhile rolls it all back (`taken`), the
 * link included, so nothing changes.
 */
export async function confirmEmailChange(db: Database, tokenHash: string, at: Date): Promise<ConfirmOutcome> {
  try {
    return await guardDb(() =>
      db.transaction(async (tx): Promise<ConfirmOutcome> => {
        const spent = await tx
          .update(emailChanges)
          .set({ usedAt: at })
          .where(
            and(
              eq(emailChanges.tokenHash, tokenHash),
              isNull(emailChanges.usedAt),
              isNull(emailChanges.revokedAt),
              sql`${emailChanges.expiresAt} > ${at}`,
            ),
          )
          .returning({ userId: emailChanges.userId, newEmail: emailChanges.newEmail });
        const change = spent[0];
        if (!change) return { kind: "invalid" };
        const before = await tx
          .select({ email: users.email })
          .from(users)
          .where(and(eq(users.id, change.userId), eq(users.accountStatus, "active")))
          .for("update");
        const oldEmail = before[0]?.email;
        if (oldEmail === undefined) return { kind: "invalid" };
        const holder = await tx
          .select({ id: users.id })
          .from(users)
          .where(and(sql`lower(${users.email}) = ${change.newEmail}`, ne(users.id, change.userId)))
          .limit(1);
        if (holder.length > 0) throw new Taken();
        const updated = await tx
          .update(users)
          .set({ email: change.newEmail, emailVerified: true, updatedAt: at })
          .where(eq(users.id, change.userId))
          .returning();
        const user = updated[0] as UserRow;
        await tx
          .update(emailChanges)
          .set({ revokedAt: at })
          .where(and(eq(emailChanges.userId, change.userId), isNull(emailChanges.usedAt), isNull(emailChanges.revokedAt)));
        await revokeOneTimeTokens(tx, change.userId, "password_reset", at);
        await revokeOneTimeTokens(tx, change.userId, "email_verification", at);
        const sessions = await revokeUserSessions(tx, change.userId, at);
        return { kind: "changed", user, oldEmail, sessions };
      }),
    );
  } catch (err) {
    if (isTaken(err)) return { kind: "taken" };
    throw err;
  }
}

/**
 * The tables besides `users` that hold a user's rows, all deleted on erasure. One list for the
 * erasure and the sweep after it, so a table added later cannot be left out of either.
 */
const PERSONAL_TABLES = ["email_changes", "user_totp", "user_recovery_codes", "mfa_challenges", "passkeys"] as const;

/**
 * CTEs deleting every personal row of the users in CTE `owner`: `t` (auth_tokens, returning the
 * sessions ended) and one per table of PERSONAL_TABLES. Names are constants, never input.
 */
function deletePersonalRows(owner: "u" | "gone"): SQL {
  const others = PERSONAL_TABLES.map(
    (table) => `${table}_gone AS (DELETE FROM ${table} WHERE user_id IN (SELECT id FROM ${owner}) RETURNING user_id)`,
  );
  return sql.raw(
    [`t AS (DELETE FROM auth_tokens WHERE user_id IN (SELECT id FROM ${owner}) RETURNING session_id)`, ...others].join(",\n      "),
  );
}

/**
 * Erases a user in one statement: email replaced by a placeholder, name,
 * hash, roles, counters and the TOTP flag cleared, status `deleted`; every
 * token (refresh and one-time), pending email change, TOTP factor, recovery
 * code, MFA login challenge and passkey deleted. Answers whether this call did it (false: already
 * deleted, e.g. by a concurrent request) and the sessions it ended.
 */
export async function eraseUser(db: Database, id: number, at: Date): Promise<{ erased: boolean; sessions: string[] }> {
  return guardDb(async () => {
    const res = await db.execute<{ erased: string; sessions: string[] | null }>(sql`
      WITH u AS (
        UPDATE users SET
          email = 'deleted-' || id || '@deleted.invalid', full_name = NULL, password_hash = NULL,
          email_verified = false, account_status = 'deleted', roles = ARRAY[]::TEXT[],
          failed_login_attempts = 0, locked_until = NULL, last_login = NULL, totp_enabled = false,
          updated_at = ${at}
        WHERE id = ${id} AND account_status <> 'deleted'
        RETURNING id
      ), ${deletePersonalRows("u")}
      SELECT (SELECT count(*) FROM u) AS erased,
             ARRAY(SELECT DISTINCT session_id::text FROM t WHERE session_id IS NOT NULL) AS sessions`);
    const row = res.rows[0];
    return { erased: Number(row?.erased ?? 0) > 0, sessions: row?.sessions ?? [] };
  });
}

/**
 * Deletes what a request racing the erasure may have written after it (run a
 * moment later): a refresh's token row, an email change's pending link, a
 * TOTP setup's pending secret, a passkey registered at that instant. Only
 * for a user still `deleted`.
 */
export async function sweepDeletedUser(db: Database, id: number): Promise<void> {
  await guardDb(() =>
    db.execute(sql`
      WITH gone AS (SELECT id FROM users WHERE id = ${id} AND account_status = 'deleted'),
      ${deletePersonalRows("gone")}
      SELECT (SELECT count(*) FROM gone) AS swept`),
  );
}
