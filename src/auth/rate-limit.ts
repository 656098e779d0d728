/**
 * Rate-limit enforcement for the /auth endpoints: consumes one hit per
 * subject, sets RateLimit-Limit / -Remaining / -Reset on the response, and
 * refuses with 429 `rate_limited` + Retry-After when over. The limiter is
 * always consulted before any password hashing.
 */
import type { Context } from "hono";
import type { RatePolicy } from "../config";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import type { LimitDecision } from "../ratelimit/limiter";

export function rateLimitHeaders(d: LimitDecision, nowMs: number): Record<string, string> {
  const reset = Math.max(0, Math.ceil((d.resetAt - nowMs) / 1000));
  return {
    "ratelimit-limit": String(d.limit),
    "ratelimit-remaining": String(d.remaining),
    "ratelimit-reset": String(reset),
  };
}

/** Consumes a hit on each (key, policy); the tightest decision's headers are applied. */
export async function enforceRateLimits(
  c: Context<AppEnv>,
  checks: ReadonlyArray<{ key: string; policy: RatePolicy }>,
): Promise<void> {
  const deps = c.get("deps");
  const now = deps.now();
  const decisions = await Promise.all(checks.map(({ key, policy }) => deps.limiter.consume(key, policy, now)));
  const refused = decisions.filter((d) => !d.allowed).sort((a, b) => b.resetAt - a.resetAt)[0];
  const shown = refused ?? decisions.sort((a, b) => a.remaining - b.remaining)[0];
  if (!shown) return;
  const headers = rateLimitHeaders(shown, now);
  c.set("stickyHeaders", { ...c.get("stickyHeaders"), ...headers });
  if (refused) {
    throw new GatewayError("rate_limited", "Too many requests; try again later", {
      headers: { ...headers, "retry-after": headers["ratelimit-reset"] as string },
    });
  }
}
