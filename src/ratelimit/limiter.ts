/**
 * The rate limiter and lockout store the rest of the code sees, over the
 * Durable Object binding. Any failure to get an answer is a DependencyError:
 * limited endpoints fail closed (503), never unthrottled.
 */
import type { RatePolicy } from "../config";
import { DependencyError } from "../errors";
import { normalizeEmail } from "../auth/email";
import type { AttemptOutcome, LimitDecision, LockoutPolicy, LockoutState, RateLimiterObject, Reservation } from "./object";

export type { AttemptOutcome, LimitDecision, LockoutState, Reservation };

/** How long an unsettled reservation holds its place: far above a hash plus the database timeout. */
export const ATTEMPT_HOLD_MS = 30_000;
/** A failure count below the threshold is forgotten a day after its last failure. */
export const FAILURE_MEMORY_MS = 24 * 3600 * 1000;

export interface RateLimiter {
  /** Counts one hit on `key` under `policy`; `allowed: false` when over. */
  consume(key: string, policy: RatePolicy, now: number): Promise<LimitDecision>;
}

/**
 * The per-email lock. A password (or code) check is reserved before it runs
 * and settled after; see `reserveAttempt` in src/auth/lockout.ts for the
 * handler-side API.
 */
export interface LockoutStore {
  state(subject: string, now: number): Promise<LockoutState>;
  /** A place for one check, or a refusal while locked or while enough checks are in flight. */
  reserve(subject: string, now: number): Promise<Reservation>;
  /** Ends a reservation: success clears, failure counts, release changes nothing. */
  settle(subject: string, id: string, outcome: AttemptOutcome, now: number): Promise<LockoutState>;
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

/**
 * The lockout store over the RATE_LIMITER binding: one Durable Object per email.
 *
 * @example
 * const lockouts = durableLockoutStore(env.RATE_LIMITER, 10, 900);
 * const r = await lockouts.reserve("ana@example.com", Date.now());
 * if (r.granted) await lockouts.settle("ana@example.com", r.id, "failure", Date.now());
 */
export function durableLockoutStore(
  ns: DurableObjectNamespace<RateLimiterObject>,
  threshold: number,
  lockSeconds: number,
): LockoutStore {
  // The lock of an email is keyed by its normalised form, whoever passes it: a login body or a
  // stored row (a legacy `Alice@Example.com` row and a login as `alice@example.com` share one lock).
  const stub = (subject: string) => ns.get(ns.idFromName(`lockout:${normalizeEmail(subject)}`));
  const policy: LockoutPolicy = {
    threshold,
    lockMs: lockSeconds * 1000,
    holdMs: ATTEMPT_HOLD_MS,
    memoryMs: FAILURE_MEMORY_MS,
  };
  return {
    state: (subject, now) => guarded(() => stub(subject).lockState(now)),
    reserve: (subject, now) => guarded(() => stub(subject).reserve(policy, now)),
    settle: (subject, id, outcome, now) => guarded(() => stub(subject).settle(id, outcome, policy, now)),
    reset: (subject) => guarded(() => stub(subject).resetLockout()),
  };
}
