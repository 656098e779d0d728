/** Users: the queries the account flows need, nothing more. */
import { eq, sql } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import { rawRows } from "../raw";
import { eventInsert, type AuthEventInput } from "./events";
import { revokeCte, toRevoked } from "./tokens";
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

/** Mirrors the lockout counter onto the row (the Durable Object stays the source of truth). */
export async function recordLoginFailure(db: Database, id: number, failures: number, lockedUntil: Date | null): Promise<void> {
  await guardDb(() =>
    db.update(users).set({ failedLoginAttempts: failures, lockedUntil }).where(eq(users.id, id)),
  );
}

/** Stores a stronger hash (the MFA step's login keeps the count and has no session write to ride on). */
export async function updatePasswordHash(db: Database, id: number, passwordHash: string, at: Date): Promise<void> {
  await guardDb(() => db.update(users).set({ passwordHash, updatedAt: at }).where(eq(users.id, id)));
}

/**
 * A password change in one statement: the new hash, every other session of
 * the user revoked (serialised with rotations, see auth_revoke_refresh) and
 * the audit row. Returns the sessions revoked.
 */
export async function changePassword(
  db: Database,
  input: { userId: number; passwordHash: string; at: Date; keepSessionId: string; event: AuthEventInput },
): Promise<string[]> {
  const scope = { userId: input.userId, keepSessionId: input.keepSessionId, at: input.at };
  const rows = await rawRows(
    db,
    sql`WITH u AS (
          UPDATE users SET password_hash = ${input.passwordHash}, updated_at = ${input.at}::timestamptz
          WHERE id = ${input.userId}::bigint RETURNING id
        ), ${revokeCte(scope)}, ev AS (
          ${eventInsert(input.event, {
            detail: sql`jsonb_build_object('sessions_revoked', (SELECT count(DISTINCT session_id) FROM revoked))`,
            from: sql`FROM u`,
          })}
        )
        SELECT session_id, was_live FROM revoked`,
  );
  return toRevoked(rows).sessions;
}
