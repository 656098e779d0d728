/**
 * One-time tokens (password reset: 30 min; email verification: 24 h): a newer
 * one supersedes the older ones of the same kind, and spending one is a single
 * conditional UPDATE, so a token can never be used twice, even concurrently.
 *
 * "Newer" is decided when a token is used, not only when one is issued: a
 * token is live only while no token of the same kind and user has a higher id.
 * Two requests issuing at the same instant each revoke what they can see,
 * which is not the other's uncommitted row; the rule at use time still leaves
 * exactly one of them valid.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../db";
import { liveOneTimeToken, rawRows } from "../db/one-time-sql";
import type { Executor } from "../db/repositories/tokens";
import { hashToken, isOpaqueToken, newOpaqueToken } from "./opaque-tokens";

export type OneTimeKind = "password_reset" | "email_verification";

export const ONE_TIME_TTL_SECONDS: Record<OneTimeKind, number> = {
  password_reset: 30 * 60,
  email_verification: 24 * 60 * 60,
};

/** Issues a token for `userId`, revoking any older unspent one of the same kind (one statement). */
export async function issueOneTimeToken(
  db: Database,
  kind: OneTimeKind,
  userId: number,
  nowMs: number,
  client: { ip: string | null; userAgent: string | null },
): Promise<string> {
  const raw = newOpaqueToken();
  const hash = await hashToken(raw);
  const now = new Date(nowMs);
  await rawRows(
    db,
    sql`WITH older AS (
          UPDATE auth_tokens SET is_revoked = true, revoked_at = ${now}::timestamptz
          WHERE user_id = ${userId}::bigint AND token_type = ${kind} AND NOT is_revoked AND used_at IS NULL
        )
        INSERT INTO auth_tokens (token_type, token_hash, user_id, expires_at, ip_address, user_agent)
        VALUES (${kind}, ${hash}, ${userId}::bigint, ${new Date(nowMs + ONE_TIME_TTL_SECONDS[kind] * 1000)}::timestamptz,
                ${client.ip?.slice(0, 64) ?? null}, ${client.userAgent?.slice(0, 512) ?? null})`,
  );
  return raw;
}

/** Spends a token; returns its user id, or undefined when unknown, used, revoked, superseded or expired. */
export async function spendOneTimeToken(db: Executor, kind: OneTimeKind, raw: string, nowMs: number): Promise<number | undefined> {
  if (!isOpaqueToken(raw)) return undefined;
  const hash = await hashToken(raw);
  const now = new Date(nowMs);
  const rows = await rawRows(
    db,
    sql`UPDATE auth_tokens t SET used_at = ${now}::timestamptz
        WHERE t.token_hash = ${hash} AND ${liveOneTimeToken(kind, now)}
        RETURNING t.user_id`,
  );
  return rows[0] ? Number(rows[0].user_id) : undefined;
}
