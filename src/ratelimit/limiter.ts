/**
 * The rate limiter and lockout store the rest of the code sees, over the
 * Durable Object binding. Any failure to get an answer is a DependencyError:
 * limited endpoints fail closed (503), never unthrottled.
 */
import type { RatePolicy } from "../config";
import { DependencyError } from "../errors";
import type { LimitDecision, LockoutState, RateLimiterObject } from "./object";

export type { LimitDecision, LockoutState };

export interface RateLimiter {
  /** Counts one hit on `key` under `policy`; `allowed: false` when over. */
  consume(key: string, policy: RatePolicy, now: number): Promise<LimitDecision>;
}

export interface LockoutStore {
  state(subject: string, now: number): Promise<LockoutState>;
  recordFailure(subject: string, now: number): Promise<LockoutState>;
  reset(subject: string): Promise<void>;
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new DependencyError("rate_limiter", err);
  }
}

/**
 * The limiter over the RATE_LIMITER binding: one Durable Object per key.
 *
 * @example
 * const limiter = durableRateLimiter(env.RATE_LIMITER);
 * const d = await limiter.consume(`login:${ip}`, { limit: 5, windowSeconds: 900 }, Date.now());
 * if (!d.allowed) throw new GatewayError("rate_limited");
 */
export function durableRateLimiter(ns: DurableObjectNamespace<RateLimiterObject>): RateLimiter {
  return {
    consume: (key, policy, now) =>
      guarded(() => ns.get(ns.idFromName(`rl:${key}`)).consume(policy.limit, policy.windowSeconds * 1000, now)),
  };
}

export function durableLockoutStore(
  ns: DurableObjectNamespace<RateLimiterObject>,
  threshold: number,
  lockSeconds: number,
): LockoutStore {
  const stub = (subject: string) => ns.get(ns.idFromName(`lockout:${subject}`));
  return {
    state: (subject, now) => guarded(() => stub(subject).lockState(now)),
    recordFailure: (subject, now) => guarded(() => stub(subject).recordFailure(threshold, lockSeconds * 1000, now)),
    reset: (subject) => guarded(() => stub(subject).resetLockout()),
  };
}
