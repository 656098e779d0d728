// `npm run dev`: wrangler dev runs no Cron Triggers by itself, so the dev stack
// calls its local scheduled endpoint with the outbox cron every few seconds;
// account events that `npm run admin` wrote to event_outbox then reach
// EVENTS_WEBHOOK_URL within that time (in production the hourly cron does it).

/** The drain-only cron name (src/scheduled.ts OUTBOX_CRON; local only, not in wrangler.toml). */
export const OUTBOX_CRON = "* * * * *";

/** Starts the ticker; returns its stop function. One call at a time; a failed call is retried at the next tick. */
export function startOutboxTicker(address, { intervalMs = 5000, onFailure = () => {} } = {}) {
  const url = `${address}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(OUTBOX_CRON)}`;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (!res.ok) onFailure(`status ${res.status}`);
    } catch {
      onFailure("no answer");
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
