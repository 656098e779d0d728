/** Users: the queries the account flows need, nothing more. */
import { eq, sql } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import { users, type UserRow } from "../schema";

export async function findUserByEmail(db: Database, email: string): Promise<UserRow | undefined> {
  return guardDb(async () => {
    const rows = await db.select().from(users).where(sql`lower(${users.email}) = ${email}`).limit(1);
    return rows[0];
  });
}

export async function findUserById(db: Database, id: number): Promise<UserRow | undefined> {
  return guardDb(async () => {
    const rows = await db.select().from(users).where(eq(users.id, id)).limit(1);
    return rows[0];
  });
}

/** Inserts a user unless the email is taken; undefined when it was. */
export async function insertUserIfNew(
  db: Database,
  input: { email: string; fullName: string | null; passwordHash: string },
): Promise<UserRow | undefined> {
  return guardDb(async () => {
    const rows = await db.execute<{ id: string }>(sql`
      INSERT INTO users (email, full_name, password_hash, email_verified, account_status, roles)
      VALUES (${input.email}, ${input.fullName}, ${input.passwordHash}, false, 'active', ARRAY['user']::TEXT[])
      ON CONFLICT ((lower(email))) DO NOTHING
      RETURNING id`);
    const id = rows.rows[0]?.id;
    if (id === undefined) return undefined;
    return findUserById(db, Number(id));
  });
}

export async function recordLoginSuccess(
  db: Database,
  id: number,
  at: Date,
  newPasswordHash?: string,
): Promise<UserRow | undefined> {
  return guardDb(async () => {
    const rows = await db
      .update(users)
      .set({
        lastLogin: at,
        failedLoginAttempts: 0,
        lockedUntil: null,
        updatedAt: at,
        ...(newPasswordHash ? { passwordHash: newPasswordHash } : {}),
      })
      .where(eq(users.id, id))
      .returning();
    return rows[0];
  });
}

/** Mirrors the lockout counter onto the row (the Durable Object stays the source of truth). */
export async function recordLoginFailure(db: Database, id: number, failures: number, lockedUntil: Date | null): Promise<void> {
  await guardDb(() =>
    db.update(users).set({ failedLoginAttempts: failures, lockedUntil }).where(eq(users.id, id)),
  );
}

export async function updatePasswordHash(db: Database, id: number, passwordHash: string, at: Date): Promise<void> {
  await guardDb(() => db.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, id)));
}

export async function markEmailVerified(db: Database, id: number, at: Date): Promise<UserRow | undefined> {
  return guardDb(async () => {
    const rows = await db
      .update(users)
      .set({ emailVerified: true, updatedAt: at })
      .where(eq(users.id, id))
      .returning();
    return rows[0];
  });
}
