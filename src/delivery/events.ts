/**
 * The account events seam. Call `deps.events.emit(type, data)` once the
 * change has committed; it enqueues in `waitUntil` and returns at once, so
 * neither its latency nor a failure reaches the client. Without
 * EVENTS_WEBHOOK_URL, emitting does nothing.
 *
 * @example
 * await db.transaction(...);                      // the change commits
 * deps.events.emit("user.roles_changed", { user_id: String(id), roles });
 */
import type { Config } from "../config";
import { eventMessage, type AccountEventType, type EventData } from "./messages";
import type { Outbox } from "./outbox";

export interface Events {
  emit(type: AccountEventType, data: EventData): void;
}

export function createEvents(config: Config, outbox: Outbox, defer: (work: Promise<unknown>) => void, now: () => number): Events {
  return {
    emit(type, data) {
      if (!config.eventsWebhookUrl) return;
      defer(outbox.send([eventMessage(type, data, now())]));
    },
  };
}
