/** The optional per-user limit on proxied traffic (RATE_LIMIT_API; off by default). */
import type { Context } from "hono";
import { enforceRateLimits } from "../auth/rate-limit";
import type { AppEnv, Principal } from "../http/types";

export async function enforceApiLimit(c: Context<AppEnv>, principal: Principal): Promise<void> {
  const policy = c.get("deps").config.rateLimits.api;
  if (!policy) return;
  await enforceRateLimits(c, [{ key: `api:${principal.userId}`, policy }]);
}
