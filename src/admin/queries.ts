/**
 * The admin API's queries: keyset pages of users (by id, optionally a
 * case-insensitive substring of email or name, served by the trigram indexes
 * of migrations/0004_admin.sql) and of audit events (newest first), the row
 * lock a change runs under, and each user's MFA state.
 */
import { totpFlags } from "../db/repositories/mfa";
import { passkeyCounts } from "../db/repositories/passkeys";
import { and, asc, desc, eq, gt, ilike, lt, or, type SQL } from "drizzle-orm";
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

export async function listUsers(db: Database, query: UserPageQuery): Promise<UserRow[]> {
  const where: SQL[] = [];
  if (query.afterId !== undefined) where.push(gt(users.id, query.afterId));
  if (query.q) {
    const pattern = likePattern(query.q);
    where.push(or(ilike(users.email, pattern), ilike(users.fullName, pattern)) as SQL);
  }
  return guardDb(() =>
    db
      .select()
      .from(users)
      .where(and(...where))
      .orderBy(asc(users.id))
      .limit(query.limit + 1),
  );
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

export const NO_MFA: MfaState = { totp: false, passkeys: 0 };

/**
 * Each user's second factors: TOTP from users.totp_enabled
 * (migrations/0003_mfa.sql), passkeys counted in their table (0006_passkeys.sql).
 */
export async function mfaStates(db: Database, ids: readonly number[]): Promise<Map<number, MfaState>> {
  const [totp, keys] = await Promise.all([totpFlags(db, ids), passkeyCounts(db, ids)]);
  return new Map(ids.map((id) => [id, { totp: totp.get(id) ?? false, passkeys: keys.get(id) ?? 0 }]));
}
