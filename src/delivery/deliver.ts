/**
 * One delivery attempt of one message: a mail through the configured
 * transport, an event through the events webhook. Throws on failure (the
 * caller retries); signs each attempt with that attempt's time.
 */
import type { Config } from "../config";
import { createMailer } from "../mail";
import type { FetchFn } from "../mail/delivery";
import type { Mailer } from "../mail/types";
import { eventsWebhook, type EventsWebhook } from "./events-webhook";
import type { DeliveryMessage } from "./messages";

export type Deliver = (message: DeliveryMessage, nowMs: number) => Promise<"sent" | "skipped">;

export interface DelivererOptions {
  mailer?: Mailer;
  fetchFn?: FetchFn;
}

const hooks = new WeakMap<Config, EventsWebhook | null>();

function hookFor(config: Config, fetchFn: FetchFn | undefined): EventsWebhook | null {
  if (!config.eventsWebhookUrl || !config.eventsWebhookSecret) return null;
  if (fetchFn) return eventsWebhook({ url: config.eventsWebhookUrl, secret: config.eventsWebhookSecret, fetchFn });
  let hook = hooks.get(config);
  if (hook === undefined) {
    hook = eventsWebhook({ url: config.eventsWebhookUrl, secret: config.eventsWebhookSecret });
    hooks.set(config, hook);
  }
  return hook;
}

/**
 * @example
 * const deliver = deliverer(getConfig(env));
 * await deliver(message, Date.now()); // throws MailDeliveryError when the endpoint fails
 */
export function deliverer(config: Config, options: DelivererOptions = {}): Deliver {
  const mailer = options.mailer ?? createMailer(config, options.fetchFn);
  const hook = hookFor(config, options.fetchFn);
  return async (message, nowMs) => {
    const meta = { id: message.id, timestamp: Math.floor(nowMs / 1000) };
    if (message.kind === "mail") {
      await mailer.send(message.mail, meta);
      return "sent";
    }
    // Events enqueued before EVENTS_WEBHOOK_URL was removed have nowhere to go.
    if (!hook) return "skipped";
    await hook.post(message.event, meta);
    return "sent";
  };
}
