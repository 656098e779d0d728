/**
 * Registration in one statement: the user (unless the email is taken), its
 * first email-verification token and the audit row; for a taken email, the
 * owner's row (for the notice) and a `register_existing` row. The same
 * statement either way, so the two paths cost the same.
 */
import { sql } from "drizzle-orm";
import { mapRow, rawRows } from "../raw";
import { users, type UserRow } from "../schema";
import { eventInsert, type AuthEventInput } from "./events";
import type { Executor } from "./tokens";

export interface Registration {
  email: string;
  fullName: string | null;
  passwordHash: string;
  verificationHash: string;
  verificationExpiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  /** The event of a new user; `register_existing` is written for a taken email. */
  event: AuthEventInput;
}

export async function registerUser(db: Executor, r: Registration): Promise<{ created: boolean; user: UserRow | undefined }> {
  const rows = await rawRows(
    db,
    sql`WITH ins AS (
          INSERT INTO users (email, full_name, password_hash, email_verified, account_status, roles)
          SELECT ${r.email}, ${r.fullName}, ${r.passwordHash}, false, 'active', ARRAY['user']::TEXT[]
          ON CONFLICT ((lower(email))) DO NOTHING
          RETURNING *
        ), tok AS (
          INSERT INTO auth_tokens (token_type, token_hash, user_id, expires_at, ip_address, user_agent)
          SELECT 'email_verification', ${r.verificationHash}, id, ${r.verificationExpiresAt}::timestamptz,
                 ${r.ip?.slice(0, 64) ?? null}, ${r.userAgent?.slice(0, 512) ?? null}
          FROM ins
        ), owner AS (
          SELECT * FROM users WHERE lower(email) = ${r.email} AND NOT EXISTS (SELECT 1 FROM ins)
        ), ev_new AS (
          ${eventInsert(r.event, { userId: sql`id`, from: sql`FROM ins` })}
        ), ev_taken AS (
          ${eventInsert({ ...r.event, type: "register_existing" }, { userId: sql`(SELECT id FROM owner LIMIT 1)`, from: sql`WHERE NOT EXISTS (SELECT 1 FROM ins)` })}
        )
        SELECT true AS registered, * FROM ins
        UNION ALL
        SELECT false AS registered, * FROM owner`,
  );
  const row = rows[0];
  return { created: row?.registered === true, user: row ? mapRow(users, row) : undefined };
}
