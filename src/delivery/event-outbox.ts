/**
 * The transactional outbox's drain: moves account events that code outside
 * the Worker (`npm run admin`, scripts/lib/event-outbox.mjs) wrote to
 * `event_outbox`, in the same transaction as its change, onto the delivery
 * Queue. Run by the Worker's scheduled handler (src/scheduled.ts).
 *
 * One batch is one transaction: lock up to `batchSize` of the oldest rows
 * (`FOR UPDATE SKIP LOCKED`, so a drain racing another takes other rows, never
 * the same ones), enqueue them, delete them, commit. An enqueue that fails
 * rolls the transaction back: the rows stay for the next drain. A commit that
 * fails after the enqueue leaves them too; the next drain enqueues them again
 * under the same message id (`event_outbox.message_id`), which the consumer's
 * ledger and the receivers drop as a copy.
 */
import { sql } from "drizzle-orm";
import type { Database } from "../db";
import { toDate } from "../db/raw";
import { log } from "../log";
import { describe, parseDeliveryMessage, type DeliveryMessage } from "./messages";

export interface DrainOptions {
  /** Rows a batch takes (the Queue's sendBatch takes at most 100). */
  batchSize?: number;
  /** Batches a drain runs at most, so one invocation stays short. */
  maxBatches?: number;
  /** False without EVENTS_WEBHOOK_URL: rows are then deleted unsent, as `events.emit` sends nothing. */
  deliver?: boolean;
}

export interface DrainResult {
  /** Events handed to the Queue. */
  enqueued: number;
  /** Rows deleted unsent: no events webhook, or not an account event. */
  dropped: number;
}

type Row = Record<string, unknown>;

/** The Queue message of an outbox row, or undefined when the row is not a valid account event. */
export function outboxMessage(row: Row): DeliveryMessage | undefined {
  const body = {
    v: 1,
    id: row.message_id,
    kind: "event",
    event: { type: row.type, timestamp: toDate(row.created_at).toISOString(), data: row.data },
  };
  return parseDeliveryMessage(body);
}

async function drainBatch(db: Database, queue: Queue, batchSize: number, deliver: boolean): Promise<DrainResult & { rows: number }> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.execute(
      sql`SELECT id::text AS id, message_id, type, data, created_at FROM event_outbox
          ORDER BY id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`,
    );
    if (rows.length === 0) return { rows: 0, enqueued: 0, dropped: 0 };
    const messages: DeliveryMessage[] = [];
    for (const row of rows) {
      const message = outboxMessage(row);
      if (message) messages.push(message);
      else log("error", "outbox.malformed", { outboxId: String(row.id), type: String(row.type) });
    }
    if (deliver && messages.length > 0) {
      await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
    }
    const ids = rows.map((r) => sql`${String(r.id)}::bigint`);
    await tx.execute(sql`DELETE FROM event_outbox WHERE id IN (${sql.join(ids, sql`, `)})`);
    const enqueued = deliver ? messages.length : 0;
    if (enqueued > 0) log("info", "outbox.enqueued", { messages: messages.map(describe) });
    return { rows: rows.length, enqueued, dropped: rows.length - enqueued };
  });
}

/**
 * @example
 * const { enqueued } = await drainEventOutbox(handle.db, env.DELIVERY_QUEUE, { deliver: Boolean(config.eventsWebhookUrl) });
 */
export async function drainEventOutbox(db: Database, queue: Queue, options: DrainOptions = {}): Promise<DrainResult> {
  const { batchSize = 100, maxBatches = 10, deliver = true } = options;
  const total: DrainResult = { enqueued: 0, dropped: 0 };
  for (let n = 0; n < maxBatches; n++) {
    const batch = await drainBatch(db, queue, batchSize, deliver);
    total.enqueued += batch.enqueued;
    total.dropped += batch.dropped;
    if (batch.rows < batchSize) break;
  }
  return total;
}
