/**
 * The refresh-token statements, one round trip each:
 *
 * - `peekRefresh`: the presented token, its owner's status and its successor
 *   (for the grace window), without changing anything;
 * - `rotateRefresh`: spends the token and inserts its successor, with the
 *   user row and the audit row, in ONE statement. The spend is a conditional
 *   UPDATE (unspent, unrevoked, unexpired, session not past its maximum age,
 *   owner active): two rotations of one token, or a rotation and a revocation
 *   (which waits on the same row, see auth_revoke_refresh), serialise on that
 *   row, and the loser changes nothing;
 * - `startSessionWithLogin`: a login's write (user row, first refresh token,
 *   audit row) in one statement.
 *
 * Columns a successor inherits from its parent are listed once, in
 * INHERITED_ON_ROTATION (a per-session column added later goes there).
 */
import { sql } from "drizzle-orm";
import { mapRow, rawRows, toDate, toDateOrNull, type RawRow } from "../raw";
import { users, type UserRow } from "../schema";
import { eventInsert, type AuthEventInput } from "./events";
import type { Executor } from "./tokens";

/** Copied from the spent token to its successor on every rotation. */
export const INHERITED_ON_ROTATION = ["user_id", "session_id", "session_started_at", "amr"] as const;

const inherited = sql.raw(INHERITED_ON_ROTATION.join(", "));
const inheritedFromParent = sql.raw(INHERITED_ON_ROTATION.map((c) => `p.${c}`).join(", "));

export interface RefreshPeek {
  id: number;
  userId: number;
  sessionId: string | null;
  sessionStartedAt: Date | null;
  expiresAt: Date;
  isRevoked: boolean;
  usedAt: Date | null;
  successorSealed: string | null;
  accountStatus: string;
  /** The successor, once the token has been rotated. */
  child?: { expiresAt: Date; isRevoked: boolean; usedAt: Date | null; amr: unknown };
}

export async function peekRefresh(db: Executor, hash: string): Promise<RefreshPeek | undefined> {
  const rows = await rawRows(
    db,
    sql`SELECT t.id, t.user_id, t.session_id, t.session_started_at, t.expires_at, t.is_revoked, t.used_at,
               t.successor_sealed, u.account_status,
               c.expires_at AS child_expires_at, c.is_revoked AS child_is_revoked, c.used_at AS child_used_at,
               c.id AS child_id, c.amr AS child_amr
        FROM auth_tokens t
        JOIN users u ON u.id = t.user_id
        LEFT JOIN LATERAL (
          SELECT id, expires_at, is_revoked, used_at, amr FROM auth_tokens c
          WHERE c.parent_id = t.id ORDER BY c.id LIMIT 1
        ) c ON t.used_at IS NOT NULL
        WHERE t.token_hash = ${hash} AND t.token_type = 'refresh'
        LIMIT 1`,
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: Number(r.id),
    userId: Number(r.user_id),
    sessionId: (r.session_id as string | null) ?? null,
    sessionStartedAt: toDateOrNull(r.session_started_at),
    expiresAt: toDate(r.expires_at),
    isRevoked: r.is_revoked === true,
    usedAt: toDateOrNull(r.used_at),
    successorSealed: (r.successor_sealed as string | null) ?? null,
    accountStatus: String(r.account_status),
    child:
      r.child_id === null || r.child_id === undefined
        ? undefined
        : {
            expiresAt: toDate(r.child_expires_at),
            isRevoked: r.child_is_revoked === true,
            usedAt: toDateOrNull(r.child_used_at),
            amr: r.child_amr,
          },
  };
}

export interface Rotation {
  hash: string;
  successorHash: string;
  /** The successor sealed under the spent token (the grace window's answer). */
  successorSealed: string;
  now: Date;
  /** now + REFRESH_TOKEN_TTL; the successor expires then or at the session's end, whichever is first. */
  expiresByTtl: Date;
  sessionMaxAgeSeconds: number;
  ip: string | null;
  userAgent: string | null;
  /** The audit row (user_id is filled from the token). */
  event: AuthEventInput;
}

export interface Rotated {
  user: UserRow;
  sessionId: string;
  expiresAt: Date;
  /** The session's methods, as stored (normalise before use). */
  amr: unknown;
}

/** Spends the token and issues its successor atomically; undefined when it could not rotate (any reason). */
export async function rotateRefresh(db: Executor, r: Rotation): Promise<Rotated | undefined> {
  const oldestStart = new Date(r.now.getTime() - r.sessionMaxAgeSeconds * 1000);
  const rows = await rawRows(
    db,
    sql`WITH parent AS (
          UPDATE auth_tokens p SET used_at = ${r.now}::timestamptz, successor_sealed = ${r.successorSealed}
          FROM users u
          WHERE p.token_hash = ${r.hash} AND p.token_type = 'refresh'
            AND p.used_at IS NULL AND NOT p.is_revoked
            AND p.expires_at > ${r.now}::timestamptz AND p.session_started_at > ${oldestStart}::timestamptz
            AND u.id = p.user_id AND u.account_status = 'active'
          RETURNING p.id, ${inheritedFromParent}
        ), child AS (
          INSERT INTO auth_tokens (token_type, token_hash, parent_id, expires_at, ip_address, user_agent, ${inherited})
          SELECT 'refresh', ${r.successorHash}, id,
                 LEAST(${r.expiresByTtl}::timestamptz, session_started_at + make_interval(secs => ${r.sessionMaxAgeSeconds})),
                 ${r.ip?.slice(0, 64) ?? null}, ${r.userAgent?.slice(0, 512) ?? null}, ${inherited}
          FROM parent
          RETURNING expires_at
        ), ev AS (
          ${eventInsert(r.event, { userId: sql`user_id`, detail: sql`jsonb_build_object('session', session_id)`, from: sql`FROM parent` })}
        )
        SELECT parent.session_id AS rotated_session_id, child.expires_at AS rotated_expires_at, parent.amr AS rotated_amr, u.*
        FROM parent CROSS JOIN child JOIN users u ON u.id = parent.user_id`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    user: mapRow(users, row),
    sessionId: String(row.rotated_session_id),
    expiresAt: toDate(row.rotated_expires_at),
    amr: row.rotated_amr,
  };
}

export interface NewSession {
  userId: number;
  tokenHash: string;
  sessionId: string;
  startedAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** RFC 8176 methods the session starts with (src/auth/amr.ts). */
  amr: readonly string[];
  /** A stronger hash of the password to store (bcrypt parameters or pepper rotated). */
  newPasswordHash?: string;
  event: AuthEventInput;
}

/** A login's write: the user row (last login, lock cleared, rehash), the session's first token, the audit row. */
export async function startSessionWithLogin(db: Executor, s: NewSession): Promise<UserRow | undefined> {
  const rows: RawRow[] = await rawRows(
    db,
    sql`WITH u AS (
          UPDATE users SET last_login = ${s.startedAt}::timestamptz, failed_login_attempts = 0, locked_until = NULL,
                 updated_at = ${s.startedAt}::timestamptz,
                 password_hash = COALESCE(${s.newPasswordHash ?? null}::text, password_hash)
          WHERE id = ${s.userId}::bigint
          RETURNING *
        ), t AS (
          INSERT INTO auth_tokens (token_type, token_hash, user_id, session_id, session_started_at, expires_at, ip_address, user_agent, amr)
          SELECT 'refresh', ${s.tokenHash}, id, ${s.sessionId}::uuid, ${s.startedAt}::timestamptz, ${s.expiresAt}::timestamptz,
                 ${s.ip?.slice(0, 64) ?? null}, ${s.userAgent?.slice(0, 512) ?? null}, string_to_array(${s.amr.join(",")}::text, ',')::text[]
          FROM u
        ), ev AS (
          ${eventInsert(s.event, { from: sql`FROM u` })}
        )
        SELECT * FROM u`,
  );
  return rows[0] ? mapRow(users, rows[0]) : undefined;
}
