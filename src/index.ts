/** The Worker: builds the app once and exports its handlers and the Durable Object class. */
import { createApp } from "./app";
import { runCleanup } from "./cleanup";

export { RateLimiterObject } from "./ratelimit/object";

const app = createApp();

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runCleanup(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
