/**
 * The producer side: hands messages to the delivery Queue. Callers enqueue
 * only after their database change has committed, from `waitUntil`, so the
 * client's response never waits for, or depends on, the Queue.
 *
 * A failed `sendBatch` is logged and retried a few times with backoff inside
 * the same `waitUntil`; the message keeps its id, so if a "failed" send had in
 * fact reached the Queue, the consumer's ledger and the receivers drop the
 * copy. What remains at risk: the Queue refusing every try for the ~7 s of
 * retries, or the isolate dying in between (README "Delivery guarantees").
 */
import { log } from "../log";
import type { Deliver } from "./deliver";
import { describe, type DeliveryMessage } from "./messages";

export interface Outbox {
  /** Enqueues (or sends) the messages; never throws. */
  send(messages: DeliveryMessage[]): Promise<void>;
}

export interface QueueOutboxOptions {
  /** Tries in all (default 4), waiting `backoffMs * 4^n` between them. */
  attempts?: number;
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const outbox = queueOutbox(env.DELIVERY_QUEUE);
 * ctx.waitUntil(outbox.send([mailMessage(renderMail("password_changed", { to }))]));
 */
export function queueOutbox(queue: Queue<DeliveryMessage>, options: QueueOutboxOptions = {}): Outbox {
  const { attempts = 4, backoffMs = 100, sleep = wait } = options;
  return {
    async send(messages) {
      if (messages.length === 0) return;
      for (let attempt = 1; ; attempt++) {
        try {
          await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
          return;
        } catch {
          const ids = messages.map(describe);
          if (attempt >= attempts) {
            log("error", "delivery.enqueue_lost", { attempts: attempt, messages: ids });
            return;
          }
          log("warn", "delivery.enqueue_failed", { attempt, messages: ids });
          await sleep(backoffMs * 4 ** (attempt - 1));
        }
      }
    },
  };
}

/**
 * Sends at once, without a Queue: when the binding is absent, and in tests
 * that read mail from an in-memory mailer. One try; a failure is logged.
 */
export function directOutbox(deliver: Deliver, now: () => number): Outbox {
  return {
    async send(messages) {
      await Promise.all(
        messages.map(async (m) => {
          try {
            await deliver(m, now());
          } catch (err) {
            const status = typeof err === "object" && err !== null && "status" in err ? err.status : undefined;
            log("error", "delivery.failed", { ...describe(m), queue: "none", status });
          }
        }),
      );
    },
  };
}
