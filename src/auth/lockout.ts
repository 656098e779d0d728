/**
 * The per-email lock as handlers use it: reserve a password (or code) check
 * before it runs, settle it after. The reservation is made atomically in the
 * email's Durable Object, so counted failures plus checks in flight never
 * exceed LOCKOUT_THRESHOLD: at most that many hashes run for one email's
 * failures, however many requests arrive at once and from wherever. A
 * reservation that is never settled (a crashed request) expires after
 * ATTEMPT_HOLD_MS. Refusals are 429 `account_locked` with Retry-After.
 */
import type { Deps } from "../deps";
import { GatewayError } from "../errors";
import type { LockoutState } from "../ratelimit/limiter";
export function lockedError(lockedUntil: number, nowMs: number): GatewayError {
  const retry = String(Math.max(1, Math.ceil((lockedUntil - nowMs) / 1000)));
  return new GatewayError("account_locked", "Too many failed attempts; this account is temporarily locked", {
    headers: { "retry-after": retry },
  });
}

/** One reserved check. Settle it exactly once; later calls do nothing. */
export interface AttemptHandle {
  /** `true`: the secret was right (clears the count and lock); `false`: it was wrong (counts one). */
  settle(ok: boolean): Promise<LockoutState>;
  /** Gives the place back without a verdict (an error before the check decided); runs after the response. */
  release(): void;
}

type LockoutDeps = Pick<Deps, "lockouts" | "now" | "defer">;

/**
 * Reserves one check of a secret for `emailKey` (an email in any form: the store normalises it), or
 * throws 429 `account_locked` when the email is locked or when enough checks
 * are already in flight. Run the hash only after this resolves.
 *
 * @example
 * const attempt = await reserveAttempt(deps, emailKey);
 * try {
 *   const ok = (await deps.passwords.verify(password, user.passwordHash)).ok;
 *   const after = await attempt.settle(ok);
 *   if (!ok) throw new GatewayError("invalid_credentials"); // after.locked says whether that one locked it
 * } finally {
 *   attempt.release(); // no-op once settled; frees the place if something threw first
 * }
 */
export async function reserveAttempt(deps: LockoutDeps, emailKey: string): Promise<AttemptHandle> {
  const reservation = await deps.lockouts.reserve(emailKey, deps.now());
  if (!reservation.granted) throw lockedError(reservation.retryAt, deps.now());
  const id = reservation.id;
  let done = false;
  return {
    async settle(ok) {
      if (done) return deps.lockouts.state(emailKey, deps.now());
      done = true;
      return deps.lockouts.settle(emailKey, id, ok ? "success" : "failure", deps.now());
    },
    release() {
      if (done) return;
      done = true;
      deps.defer(deps.lockouts.settle(emailKey, id, "release", deps.now()));
    },
  };
}

/**
 * `reserveAttempt` alongside other work (a user lookup) in parallel: both or
 * neither. If the work fails the reservation is released; if the reservation
 * is refused the work's outcome is ignored.
 *
 * @example
 * const [attempt, user] = await reserveAlongside(deps, emailKey, findUserByEmail(db, emailKey));
 */
export async function reserveAlongside<T>(deps: LockoutDeps, emailKey: string, work: Promise<T>): Promise<[AttemptHandle, T]> {
  const [attempt, result] = await Promise.allSettled([reserveAttempt(deps, emailKey), work]);
  if (attempt.status === "rejected") throw attempt.reason;
  if (result.status === "rejected") {
    attempt.value.release();
    throw result.reason;
  }
  return [attempt.value, result.value];
}
