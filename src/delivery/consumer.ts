/**
 * The Queue consumer (the Worker's `queue` handler) for mail and account
 * events, and for the dead-letter queue.
 *
 * Each message: parse → claim it in the ledger (already sent: ack and stop;
 * another copy sending: retry later) → one delivery attempt → on success mark
 * it sent and ack; on failure release the claim and retry with exponential
 * backoff (`DELIVERY_RETRY_BASE_SECONDS` · 2^(attempt−1), at most 1 h). After
 * the Queue's `max_retries` the message goes to the dead-letter queue, whose
 * batches are logged (`delivery.dead_letter`, error level) and recorded.
 * A failure here never reaches a client: requests only enqueue.
 */
import { ConfigError, getConfig, type Config } from "../config";
import { errorKind, log } from "../log";
import { MailDeliveryError, type FetchFn } from "../mail/delivery";
import type { Mailer } from "../mail/types";
import { deliverer, type Deliver } from "./deliver";
import { durableLedger, SEND_LEASE_MS, type Ledger } from "./ledger";
import { describe, parseDeliveryMessage } from "./messages";
import { DEAD_LETTER_QUEUE, retryDelaySeconds } from "./queues";

export interface ConsumerOverrides {
  now?: () => number;
  mailer?: Mailer;
  fetchFn?: FetchFn;
  ledger?: Ledger;
}

function failureFields(err: unknown): Record<string, unknown> {
  if (err instanceof MailDeliveryError) return { reason: err.reason, status: err.status, transport: err.transport };
  return { reason: errorKind(err) };
}

async function deliverOne(message: Message<unknown>, config: Config, deliver: Deliver, ledger: Ledger, now: () => number): Promise<void> {
  const parsed = parseDeliveryMessage(message.body);
  if (!parsed) {
    log("error", "delivery.malformed", { queueMessage: message.id });
    message.ack();
    return;
  }
  const fields = { ...describe(parsed), attempt: message.attempts };
  const claim = await ledger.begin(parsed.id, now());
  if (claim === "sent") {
    log("info", "delivery.duplicate", fields);
    message.ack();
    return;
  }
  if (claim === "busy") {
    message.retry({ delaySeconds: Math.ceil(SEND_LEASE_MS / 1000) });
    return;
  }
  try {
    const outcome = await deliver(parsed, now());
    await ledger.sent(parsed.id, now());
    log("info", outcome === "sent" ? "delivery.sent" : "delivery.skipped", fields);
    message.ack();
  } catch (err) {
    await ledger.release(parsed.id);
    const delaySeconds = retryDelaySeconds(message.attempts, config.deliveryRetryBaseSeconds);
    log("warn", "delivery.retry", { ...fields, ...failureFields(err), delaySeconds });
    message.retry({ delaySeconds });
  }
}

async function deadLetter(message: Message<unknown>, ledger: Ledger, now: () => number): Promise<void> {
  const parsed = parseDeliveryMessage(message.body);
  const fields = parsed ? describe(parsed) : { queueMessage: message.id };
  log("error", "delivery.dead_letter", { ...fields, queue: DEAD_LETTER_QUEUE });
  if (parsed) await ledger.dead(parsed.id, now());
  message.ack();
}

/**
 * The Worker's `queue` handler.
 *
 * @example
 * export default { fetch: app.fetch, queue: createQueueHandler() } satisfies ExportedHandler<Env>;
 */
export function createQueueHandler(overrides: ConsumerOverrides = {}) {
  return async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    const now = overrides.now ?? Date.now;
    const ledger = overrides.ledger ?? durableLedger(env.DELIVERY_LEDGER);
    if (batch.queue === DEAD_LETTER_QUEUE) {
      await Promise.all(batch.messages.map((m) => deadLetter(m, ledger, now)));
      return;
    }
    let config: Config;
    try {
      config = getConfig(env);
    } catch (err) {
      // Nothing can be sent with a broken configuration: keep the messages.
      log("error", "delivery.config_invalid", { problems: err instanceof ConfigError ? err.problems : [errorKind(err)] });
      batch.retryAll({ delaySeconds: 60 });
      return;
    }
    const deliver = deliverer(config, { mailer: overrides.mailer, fetchFn: overrides.fetchFn });
    await Promise.all(batch.messages.map((m) => deliverOne(m, config, deliver, ledger, now)));
  };
}
