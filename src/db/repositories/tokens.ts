/**
 * auth_tokens: refresh tokens (grouped into sessions by session_id), and the
 * one-time password-reset and email-verification tokens. Only SHA-256 hashes
 * are stored.
 */
import { and, desc, eq, gt, isNull, sql, type SQL } from "drizzle-orm";
import type { Database } from "../client";
import { guardDb } from "../guard";
import { rawRows } from "../raw";
import { eventInsert, type AuthEventInput } from "./events";
import { authTokens, type TokenType } from "../schema";

export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

export interface Revoked {
  /** Sessions that had a token revoked. */
  sessions: string[];
  /** How many of the revoked tokens were live (unspent, unexpired). */
  live: number;
}

export interface RevokeScope {
  userId: number;
  /** One session; omitted: every session of the user... */
  sessionId?: string;
  /** ...but this one. */
  keepSessionId?: string;
  at: Date;
}

/**
 * The revocation as a CTE (`revoked(session_id, was_live)`), serialised with
 * rotations by auth_revoke_refresh (migrations/0002_hardening.sql): no token
 * of a revoked session survives a rotation running at the same moment.
 */
export function revokeCte(scope: RevokeScope): SQL {
  return sql`revoked AS (SELECT * FROM auth_revoke_refresh(${scope.userId}::bigint, ${scope.sessionId ?? null}::uuid, ${scope.keepSessionId ?? null}::uuid, ${scope.at}::timestamptz))`;
}

export function toRevoked(rows: ReadonlyArray<Record<string, unknown>>): Revoked {
  const sessions = new Set<string>();
  let live = 0;
  for (const r of rows) {
    if (typeof r.session_id === "string") sessions.add(r.session_id);
    if (r.was_live === true) live += 1;
  }
  return { sessions: [...sessions], live };
}

/**
 * Revokes refresh tokens (one session, or all of a user's but one) in one
 * statement, with the audit row when given (written only if `eventIf` holds:
 * "any" token revoked, or a "live" one).
 */
export async function revokeRefresh(
  db: Executor,
  scope: RevokeScope,
  event?: { record: AuthEventInput; if?: "always" | "live" },
): Promise<Revoked> {
  const when = event?.if === "live" ? sql`WHERE EXISTS (SELECT 1 FROM revoked WHERE was_live)` : sql``;
  const statement = event
    ? sql`WITH ${revokeCte(scope)}, ev AS (${eventInsert(event.record, {
        from: when,
        detail: sql`${JSON.stringify(event.record.detail ?? {})}::jsonb || jsonb_build_object('sessions_revoked', (SELECT count(DISTINCT session_id) FROM revoked))`,
      })})
          SELECT session_id, was_live FROM revoked`
    : sql`WITH ${revokeCte(scope)} SELECT session_id, was_live FROM revoked`;
  return toRevoked(await rawRows(db, statement));
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


/**
 * Logout's one statement: revokes the access token's session and the session
 * of the presented refresh token (whatever its state), with the audit row;
 * returns the sessions ended and their user.
 */
export async function revokeForLogout(
  db: Executor,
  input: { principal?: { userId: number; sessionId: string }; refreshHash?: string; at: Date; event: AuthEventInput },
): Promise<{ userId: number | null; sessions: string[] }> {
  const p = input.principal;
  const rows = await rawRows(
    db,
    sql`WITH target AS (
          SELECT ${p?.userId ?? null}::bigint AS user_id, ${p?.sessionId ?? null}::uuid AS session_id
          WHERE ${p?.sessionId ?? null}::uuid IS NOT NULL
          UNION
          SELECT user_id, session_id FROM auth_tokens
          WHERE token_hash = ${input.refreshHash ?? null}::text AND token_type = 'refresh' AND session_id IS NOT NULL
        ), revoked AS (
          SELECT r.* FROM target t CROSS JOIN LATERAL auth_revoke_refresh(t.user_id, t.session_id, NULL, ${input.at}::timestamptz) r
        ), ev AS (
          ${eventInsert(input.event, { userId: sql`(SELECT user_id FROM target LIMIT 1)`, from: sql`WHERE EXISTS (SELECT 1 FROM target)` })}
        )
        SELECT user_id, session_id, (SELECT count(*) FROM revoked) AS revoked FROM target`,
  );
  return {
    userId: rows[0] ? Number(rows[0].user_id) : null,
    sessions: [...new Set(rows.map((r) => String(r.session_id)))],
  };
}

/** Revokes every refresh token of a user (but `keepSessionId`'s); returns the sessions touched. */
export async function revokeUserSessions(db: Executor, userId: number, at: Date, keepSessionId?: string): Promise<string[]> {
  return (await revokeRefresh(db, { userId, keepSessionId, at })).sessions;
}

/** Revokes every live one-time token of `type` for a user (an email change voids links mailed to the old address). */
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
