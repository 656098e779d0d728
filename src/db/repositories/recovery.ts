/**
 * Password reset and email verification, one statement each for the write:
 * the token is spent by a conditional UPDATE and everything else hangs off
 * that row, so nothing happens unless this request spent a live token.
 */
import { sql } from "drizzle-orm";
import { liveOneTimeToken } from "../one-time-sql";
import { mapRow, rawRows } from "../raw";
import { users, type UserRow } from "../schema";
import { eventInsert, type AuthEventInput } from "./events";
import { toRevoked, type Executor } from "./tokens";

/** The owner of a live password-reset token (a read that spends nothing). */
export async function findResetOwner(db: Executor, hash: string, now: Date): Promise<UserRow | undefined> {
  const rows = await rawRows(
    db,
    sql`SELECT u.* FROM auth_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = ${hash} AND ${liveOneTimeToken("password_reset", now)} LIMIT 1`,
  );
  return rows[0] ? mapRow(users, rows[0]) : undefined;
}

/**
 * Spends the reset token and, only if that worked: the new hash, email
 * verified, lock cleared, every session revoked (auth_revoke_refresh), the
 * audit row. Undefined when the token was no longer live.
 */
export async function resetPassword(
  db: Executor,
  r: { hash: string; userId: number; passwordHash: string; now: Date; event: AuthEventInput },
): Promise<{ sessions: string[] } | undefined> {
  const rows = await rawRows(
    db,
    sql`WITH spent AS (
          UPDATE auth_tokens t SET used_at = ${r.now}::timestamptz
          WHERE t.token_hash = ${r.hash} AND t.user_id = ${r.userId}::bigint AND ${liveOneTimeToken("password_reset", r.now)}
          RETURNING t.user_id
        ), u AS (
          UPDATE users SET password_hash = ${r.passwordHash}, email_verified = true, failed_login_attempts = 0,
                 locked_until = NULL, updated_at = ${r.now}::timestamptz
          WHERE id = (SELECT user_id FROM spent)
          RETURNING id
        ), revoked AS (
          SELECT x.* FROM u CROSS JOIN LATERAL auth_revoke_refresh(u.id, NULL, NULL, ${r.now}::timestamptz) x
        ), ev AS (
          ${eventInsert(r.event, {
            detail: sql`jsonb_build_object('sessions_revoked', (SELECT count(DISTINCT session_id) FROM revoked))`,
            from: sql`FROM u`,
          })}
        )
        SELECT u.id, r.session_id, r.was_live FROM u LEFT JOIN revoked r ON true`,
  );
  if (rows.length === 0) return undefined;
  return { sessions: toRevoked(rows.filter((x) => x.session_id !== null)).sessions };
}

/** Spends a verification token and marks its user's email verified, with the audit row. */
export async function verifyEmail(db: Executor, v: { hash: string; now: Date; event: AuthEventInput }): Promise<UserRow | undefined> {
  const rows = await rawRows(
    db,
    sql`WITH spent AS (
          UPDATE auth_tokens t SET used_at = ${v.now}::timestamptz
          WHERE t.token_hash = ${v.hash} AND ${liveOneTimeToken("email_verification", v.now)}
          RETURNING t.user_id
        ), u AS (
          UPDATE users SET email_verified = true, updated_at = ${v.now}::timestamptz
          WHERE id = (SELECT user_id FROM spent)
          RETURNING *
        ), ev AS (
          ${eventInsert(v.event, { userId: sql`id`, from: sql`FROM u` })}
        )
        SELECT * FROM u`,
  );
  return rows[0] ? mapRow(users, rows[0]) : undefined;
}
