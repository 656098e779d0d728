/**
 * Raw statements (CTEs that drizzle's builder cannot express) return driver
 * values keyed by column name: `mapRow` turns one into the table's typed row
 * through drizzle's own column definitions, so a column added to the schema
 * (e.g. by a later migration) is mapped without touching the statements.
 */
import { getTableColumns, type SQL } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { Executor } from "./repositories/tokens";
import { guardDb } from "./guard";

export type RawRow = Record<string, unknown>;

/** Maps `raw` (column names, driver values) onto `table`'s typed row; `prefix` selects aliased columns. */
export function mapRow<T extends PgTable>(table: T, raw: RawRow, prefix = ""): T["$inferSelect"] {
  const out: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = raw[`${prefix}${column.name}`];
    out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return out as T["$inferSelect"];
}

/**
 * Runs one raw statement; rows as the driver returns them. A result without a
 * row list is a driver failure like any other (503), never a crash further on.
 */
export async function rawRows(db: Executor, statement: SQL): Promise<RawRow[]> {
  return guardDb(async () => {
    const { rows } = await db.execute(statement);
    if (!Array.isArray(rows)) throw new TypeError("the driver returned no row list");
    return rows as RawRow[];
  });
}

/** A driver timestamp (string or Date) as a Date. */
export function toDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}

/** A driver timestamp, or null. */
export function toDateOrNull(v: unknown): Date | null {
  return v === null || v === undefined ? null : toDate(v);
}
