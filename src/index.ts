/** The Worker: builds the app once and exports its handlers and the Durable Object class. */
import { createApp } from "./app";
import { createQueueHandler } from "./delivery/consumer";
import { createScheduledHandler } from "./scheduled";

export { RateLimiterObject } from "./ratelimit/object";
export { DeliveryLedger } from "./delivery/ledger-object";
export { PasskeyChallengeObject } from "./passkeys/challenge-object";

const app = createApp();
const queue = createQueueHandler();

export default {
  fetch: app.fetch,
  scheduled: createScheduledHandler(),
  queue,
} satisfies ExportedHandler<Env>;
