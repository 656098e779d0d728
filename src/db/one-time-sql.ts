/** SQL shared by the one-time-token statements (reset, verification, and later kinds). */
import { sql, type SQL } from "drizzle-orm";

export { rawRows } from "./raw";

/**
 * `t` (an auth_tokens row) is a live one-time token of `kind`: unspent,
 * unrevoked, unexpired, and not superseded by a newer one (a higher id) of
 * the same kind and user.
 */
export function liveOneTimeToken(kind: string, now: Date): SQL {
  return sql`t.token_type = ${kind} AND t.used_at IS NULL AND NOT t.is_revoked AND t.expires_at > ${now}::timestamptz
    AND NOT EXISTS (SELECT 1 FROM auth_tokens n WHERE n.user_id = t.user_id AND n.token_type = t.token_type AND n.id > t.id)`;
}
