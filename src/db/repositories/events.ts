/**
 * The audit log (auth_events). Where a request writes anyway, its event row
 * goes into the same statement (`eventInsert`, a CTE), so it costs no round
 * trip of its own and commits or rolls back with the change it records.
 */
import { sql, type SQL } from "drizzle-orm";
import type { Executor } from "./tokens";
import { guardDb } from "../guard";
import { authEvents } from "../schema";

export interface AuthEventInput {
  type: string;
  userId?: number | null;
  /** The admin who acted on `userId`'s account. */
  actorId?: number | null;
  ip?: string | null;
  userAgent?: string | null;
  detail?: Record<string, unknown>;
}

export async function insertAuthEvent(db: Executor, e: AuthEventInput): Promise<void> {
  await guardDb(() =>
    db.insert(authEvents).values({
      eventType: e.type,
      userId: e.userId ?? null,
      actorId: e.actorId ?? null,
      ipAddress: e.ip ?? null,
      userAgent: e.userAgent?.slice(0, 512) ?? null,
      detail: e.detail ?? {},
    }),
  );
}

/**
 * `INSERT INTO auth_events ... SELECT ...` for a CTE. `userId` (and `detail`) are SQL
 * when the statement itself finds them (`sql\`user_id\``), and `from` the rest of
 * the SELECT (`sql\`FROM parent\``); without `from` exactly one row is written.
 */
export function eventInsert(e: AuthEventInput, opts: { userId?: SQL; detail?: SQL; from?: SQL } = {}): SQL {
  const userId = opts.userId ?? sql`${e.userId ?? null}::bigint`;
  const detail = opts.detail ?? sql`${JSON.stringify(e.detail ?? {})}::jsonb`;
  return sql`INSERT INTO auth_events (event_type, user_id, ip_address, user_agent, detail)
    SELECT ${e.type}, ${userId}, ${e.ip?.slice(0, 64) ?? null}, ${e.userAgent?.slice(0, 512) ?? null}, ${detail}
    ${opts.from ?? sql``}`;
}
