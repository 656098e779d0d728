/**
 * The admin API's queries: keyset pages of users (by id, optionally a
 * case-insensitive substring of email or name, served by the trigram indexes
 * of migrations/0004_admin.sql) and of audit events (newest first), the row
 * lock a change runs under, and each user's MFA state.
 */
import { and, asc, desc, eq, gt, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "../db";
import { guardDb } from "../db/guard";
import type { Executor, Transaction } from "../db/repositories/tokens";
import { authEvents, users, type AuthEventRow, type UserRow } from "../db/schema";

/** `%`, `_` and `\` in a search are literal characters, not LIKE wildcards. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
}

export interface UserPageQuery {
  q?: string;
  afterId?: number;
  /** Rows to return; one more is fetched to know whether a next page exists. */
  limit: number;
}

/** A user's row with its second factors: TOTP from the row, passkeys counted alongside. */
export interface UserWithMfa {
  user: UserRow;
  mfa: MfaState;
}

/** The user's passkeys, counted in the same statement as the row (no second round trip). */
// Spelled out: in a select list drizzle renders column references unqualified, which inside the
// subquery would bind both sides to the passkeys table.
const passkeyCount = sql<number>`(SELECT count(*) FROM passkeys pk WHERE pk.user_id = "users"."id")`.mapWith(Number);

function withMfa(r: { user: UserRow; passkeys: number }): UserWithMfa {
  return { user: r.user, mfa: { totp: r.user.totpEnabled, passkeys: r.passkeys } };
}

/** One page of users with their MFA state, in one statement. */
export async function listUsers(db: Database, query: UserPageQuery): Promise<UserWithMfa[]> {
  const where: SQL[] = [];
  if (query.afterId !== undefined) where.push(gt(users.id, query.afterId));
  if (query.q) {
    const pattern = likePattern(query.q);
    where.push(or(ilike(users.email, pattern), ilike(users.fullName, pattern)) as SQL);
  }
  const rows = await guardDb(() =>
    db
      .select({ user: users, passkeys: passkeyCount })
      .from(users)
      .where(and(...where))
      .orderBy(asc(users.id))
      .limit(query.limit + 1),
  );
  return rows.map(withMfa);
}

/** One user with their MFA state, in one statement. */
export async function findUserWithMfa(db: Executor, id: number): Promise<UserWithMfa | undefined> {
  const rows = await guardDb(() => db.select({ user: users, passkeys: passkeyCount }).from(users).where(eq(users.id, id)).limit(1));
  return rows[0] ? withMfa(rows[0]) : undefined;
}

export async function findUser(db: Executor, id: number): Promise<UserRow | undefined> {
  return guardDb(async () => (await db.select().from(users).where(eq(users.id, id)).limit(1))[0]);
}

/** The user's row, locked until the transaction ends (serialises concurrent changes). */
export async function lockUser(tx: Transaction, id: number): Promise<UserRow | undefined> {
  return guardDb(async () => (await tx.select().from(users).where(eq(users.id, id)).for("update").limit(1))[0]);
}

export interface UserChanges {
  roles?: string[];
  accountStatus?: "active" | "disabled";
  emailVerified?: boolean;
  failedLoginAttempts?: number;
  lockedUntil?: Date | null;
}

export async function updateUser(db: Executor, id: number, changes: UserChanges, at: Date): Promise<UserRow | undefined> {
  return guardDb(async () => (await db.update(users).set({ ...changes, updatedAt: at }).where(eq(users.id, id)).returning())[0]);
}

export interface EventPageQuery {
  userId?: number;
  type?: string;
  beforeId?: number;
  limit: number;
}

export async function listEvents(db: Database, query: EventPageQuery): Promise<AuthEventRow[]> {
  const where: SQL[] = [];
  if (query.userId !== undefined) where.push(eq(authEvents.userId, query.userId));
  if (query.type !== undefined) where.push(eq(authEvents.eventType, query.type));
  if (query.beforeId !== undefined) where.push(lt(authEvents.id, query.beforeId));
  return guardDb(() =>
    db
      .select()
      .from(authEvents)
      .where(and(...where))
      .orderBy(desc(authEvents.id))
      .limit(query.limit + 1),
  );
}

export interface MfaState {
  totp: boolean;
  passkeys: number;
}


