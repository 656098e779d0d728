/**
 * The Worker's `scheduled` handler (Cron Triggers, wrangler.toml): the one
 * hourly cron runs the cleanup (src/cleanup.ts) and drains the account events
 * outbox onto the delivery Queue (src/delivery/event-outbox.ts). Any other
 * cron name (the `npm run dev` ticker's local `/cdn-cgi/local/scheduled`
 * calls) drains only. Hourly, not every minute: a scale-to-zero Neon compute
 * woken every minute would never sleep.
 */
import { runCleanup } from "./cleanup";
import { getConfig, type Config } from "./config";
import { openDatabase, type DatabaseHandle } from "./db";
import { databaseOptions } from "./deps";
import { drainEventOutbox, type DrainOptions, type DrainResult } from "./delivery/event-outbox";
import { errorKind, log } from "./log";

/** Must match wrangler.toml `[triggers] crons` (its only entry). */
export const CLEANUP_CRON = "17 * * * *";
/** The cron name the `npm run dev` ticker calls with (local only, not in wrangler.toml): a drain alone. */
export const OUTBOX_CRON = "* * * * *";

export interface OutboxDrainEnv {
  DELIVERY_QUEUE: Queue;
}

/** Opens the database, drains the outbox once, closes; logs and rethrows a failure (the rows stay). */
export async function runOutboxDrain(
  env: OutboxDrainEnv,
  options: Omit<DrainOptions, "deliver"> & { queue?: Queue } = {},
  open: (config: Config) => DatabaseHandle = (c) => openDatabase(databaseOptions(c)),
): Promise<DrainResult> {
  const config = getConfig(env);
  const handle = open(config);
  try {
    const result = await drainEventOutbox(handle.db, options.queue ?? env.DELIVERY_QUEUE, {
      ...options,
      deliver: Boolean(config.eventsWebhookUrl),
    });
    if (result.enqueued + result.dropped > 0) log("info", "outbox.drained", { ...result });
    return result;
  } catch (err) {
    log("error", "outbox.drain_failed", { kind: errorKind(err) });
    throw err;
  } finally {
    await handle.close();
  }
}

/**
 * @example
 * export default { fetch: app.fetch, scheduled: createScheduledHandler() } satisfies ExportedHandler<Env>;
 */
export function createScheduledHandler() {
  return function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): void {
    if (controller.cron === CLEANUP_CRON) ctx.waitUntil(runCleanup(env, controller.scheduledTime));
    ctx.waitUntil(runOutboxDrain(env));
  };
}
