/**
 * Passkeys: the queries the WebAuthn flows need. `countPasskeys` is the one
 * GET /auth/mfa (and the admin API's `mfa.passkeys`) reads.
 */
import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import { passkeys, type PasskeyRow } from "../passkeys-schema";
import { users, type UserRow } from "../schema";

export type { PasskeyRow };

export interface NewPasskey {
  userId: number;
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string[];
  name: string;
  aaguid: string | null;
  backedUp: boolean;
}

/** How many passkeys the user holds (one round trip). */
export async function countPasskeys(db: Database, userId: number): Promise<number> {
  return guardDb(async () => {
    const rows = await db.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
    return Number(rows[0]?.n ?? 0);
  });
}

/** The user's passkeys, oldest first. */
export async function listPasskeys(db: Database, userId: number): Promise<PasskeyRow[]> {
  return guardDb(() => db.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id)));
}

/** The passkey of `credentialId` with its owner, in one round trip. */
export async function findPasskeyWithUser(
  db: Database,
  credentialId: string,
): Promise<{ passkey: PasskeyRow; user: UserRow } | undefined> {
  return guardDb(async () => {
    const rows = await db
      .select({ passkey: passkeys, user: users })
      .from(passkeys)
      .innerJoin(users, eq(users.id, passkeys.userId))
      .where(eq(passkeys.credentialId, credentialId))
      .limit(1);
    return rows[0];
  });
}

/** Inserts a passkey; undefined when the credential id is already registered (to anyone). */
export async function insertPasskey(db: Database, p: NewPasskey, at: Date): Promise<PasskeyRow | undefined> {
  return guardDb(async () => {
    const rows = await db
      .insert(passkeys)
      .values({ ...p, createdAt: at })
      .onConflictDoNothing({ target: passkeys.credentialId })
      .returning();
    return rows[0];
  });
}

/** Deletes one of the user's passkeys; false when it is unknown or another user's. */
export async function deletePasskey(db: Database, userId: number, id: string): Promise<boolean> {
  return guardDb(async () => {
    const rows = await db
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning({ id: passkeys.id });
    return rows.length > 0;
  });
}

/**
 * Records a verified login: the new signature counter and `last_used_at` on
 * the passkey and `last_login` on its user, in one statement. The passkey
 * UPDATE is conditional, so that two assertions racing can never both move
 * the counter to the same or a lower value; a counter of 0 stays allowed only
 * for authenticators that never count (stored 0, presented 0). False when the
 * row refused the value (the counter went backwards or did not move).
 */
export async function recordPasskeyLogin(db: Database, id: string, newCounter: number, at: Date): Promise<boolean> {
  return guardDb(async () => {
    const result = await db.execute<{ id: string }>(sql`
      WITH bumped AS (
        UPDATE passkeys SET counter = ${newCounter}, last_used_at = ${at}
        WHERE id = ${id} AND (counter < ${newCounter} OR (counter = 0 AND ${newCounter} = 0))
        RETURNING user_id
      )
      UPDATE users SET last_login = ${at} FROM bumped WHERE users.id = bumped.user_id
      RETURNING users.id`);
    return result.rows.length > 0;
  });
}
