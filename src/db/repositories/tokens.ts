/**
 * auth_tokens: refresh tokens (grouped into sessions by session_id), and the
 * one-time password-reset and email-verification tokens. Only SHA-256 hashes
 * are stored.
 */
import { and, desc, eq, gt, isNull, ne, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import { authTokens, type TokenRow, type TokenType } from "../schema";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

export interface NewToken {
  type: TokenType;
  hash: string;
  userId: number;
  expiresAt: Date;
  sessionId?: string;
  sessionStartedAt?: Date;
  parentId?: number;
  ip?: string | null;
  userAgent?: string | null;
  /** RFC 8176 methods of the session (refresh tokens). */
  amr?: readonly string[];
}

export async function insertToken(db: Executor, t: NewToken): Promise<TokenRow> {
  return guardDb(async () => {
    const rows = await db
      .insert(authTokens)
      .values({
        tokenType: t.type,
        tokenHash: t.hash,
        userId: t.userId,
        expiresAt: t.expiresAt,
        sessionId: t.sessionId ?? null,
        sessionStartedAt: t.sessionStartedAt ?? null,
        parentId: t.parentId ?? null,
        ipAddress: t.ip?.slice(0, 64) ?? null,
        userAgent: t.userAgent?.slice(0, 512) ?? null,
        amr: t.amr ? [...t.amr] : null,
      })
      .returning();
    return rows[0] as TokenRow;
  });
}

export async function findToken(db: Executor, hash: string, type: TokenType): Promise<TokenRow | undefined> {
  return guardDb(async () => {
    const rows = await db
      .select()
      .from(authTokens)
      .where(and(eq(authTokens.tokenHash, hash), eq(authTokens.tokenType, type)))
      .limit(1);
    return rows[0];
  });
}

/** Locks the row for the rest of the transaction (serialises concurrent refreshes). */
export async function lockToken(tx: Transaction, hash: string, type: TokenType): Promise<TokenRow | undefined> {
  return guardDb(async () => {
    const rows = await tx
      .select()
      .from(authTokens)
      .where(and(eq(authTokens.tokenHash, hash), eq(authTokens.tokenType, type)))
      .for("update")
      .limit(1);
    return rows[0];
  });
}

/** Successor of a rotated token: the one whose parent it is. */
export async function findChild(db: Executor, parentId: number): Promise<TokenRow | undefined> {
  return guardDb(async () => {
    const rows = await db.select().from(authTokens).where(eq(authTokens.parentId, parentId)).limit(1);
    return rows[0];
  });
}

export async function markUsed(db: Executor, id: number, at: Date, successorSealed: string | null = null): Promise<void> {
  await guardDb(() =>
    db.update(authTokens).set({ usedAt: at, successorSealed }).where(eq(authTokens.id, id)),
  );
}

/** Marks the matching unrevoked refresh tokens of a user revoked; returns what they were. */
async function revokeRefreshTokens(db: Executor, userId: number, at: Date, scope: SQL | undefined) {
  return guardDb(() =>
    db
      .update(authTokens)
      .set({ isRevoked: true, revokedAt: at })
      .where(
        and(
          eq(authTokens.userId, userId),
          eq(authTokens.tokenType, "refresh"),
          eq(authTokens.isRevoked, false),
          scope,
        ),
      )
      .returning({ sessionId: authTokens.sessionId, usedAt: authTokens.usedAt, expiresAt: authTokens.expiresAt }),
  );
}

/** Revokes every token of a session; returns how many were live. */
export async function revokeSession(db: Executor, userId: number, sessionId: string, at: Date): Promise<number> {
  const rows = await revokeRefreshTokens(db, userId, at, eq(authTokens.sessionId, sessionId));
  return rows.filter((r) => r.usedAt === null && r.expiresAt > at).length;
}

/** Revokes every refresh token of a user (but `keepSessionId`'s); returns the sessions touched. */
export async function revokeUserSessions(
  db: Executor,
  userId: number,
  at: Date,
  keepSessionId?: string,
): Promise<string[]> {
  const rows = await revokeRefreshTokens(db, userId, at, keepSessionId ? ne(authTokens.sessionId, keepSessionId) : undefined);
  return [...new Set(rows.map((r) => r.sessionId).filter((s): s is string => s !== null))];
}

/** Revokes a user's unspent one-time tokens of a type (a newer one supersedes them). */
export async function revokeOneTimeTokens(db: Executor, userId: number, type: TokenType, at: Date): Promise<void> {
  await guardDb(() =>
    db
      .update(authTokens)
      .set({ isRevoked: true, revokedAt: at })
      .where(
        and(
          eq(authTokens.userId, userId),
          eq(authTokens.tokenType, type),
          eq(authTokens.isRevoked, false),
          isNull(authTokens.usedAt),
        ),
      ),
  );
}

export interface LiveSession {
  sessionId: string;
  startedAt: Date;
  lastUsedAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/** A user's live sessions: those holding an unspent, unrevoked, unexpired refresh token. */
export async function listLiveSessions(db: Executor, userId: number, now: Date, maxAgeSeconds: number): Promise<LiveSession[]> {
  const oldestStart = new Date(now.getTime() - maxAgeSeconds * 1000);
  return guardDb(async () => {
    const rows = await db
      .select()
      .from(authTokens)
      .where(
        and(
          eq(authTokens.userId, userId),
          eq(authTokens.tokenType, "refresh"),
          eq(authTokens.isRevoked, false),
          isNull(authTokens.usedAt),
          gt(authTokens.expiresAt, now),
          gt(authTokens.sessionStartedAt, oldestStart),
        ),
      )
      .orderBy(desc(authTokens.createdAt));
    const seen = new Set<string>();
    const out: LiveSession[] = [];
    for (const r of rows) {
      if (!r.sessionId || seen.has(r.sessionId)) continue;
      seen.add(r.sessionId);
      out.push({
        sessionId: r.sessionId,
        startedAt: r.sessionStartedAt ?? r.createdAt,
        lastUsedAt: r.createdAt,
        ip: r.ipAddress,
        userAgent: r.userAgent,
      });
    }
    return out;
  });
}

/** Deletes expired tokens and those revoked or spent before `revokedBefore`; returns the count. */
export async function deleteStaleTokens(db: Executor, now: Date, revokedBefore: Date): Promise<number> {
  return guardDb(async () => {
    const res = await db.execute(sql`
      DELETE FROM auth_tokens
      WHERE expires_at < ${now}
         OR (is_revoked AND revoked_at < ${revokedBefore})
         OR (used_at IS NOT NULL AND used_at < ${revokedBefore} AND token_type <> 'refresh')`);
    return res.rowCount ?? 0;
  });
}

