/**
 * Single-use WebAuthn challenges over the PASSKEY_CHALLENGES Durable Object
 * namespace: 32 random bytes (base64url), valid for 5 minutes, taken (read
 * and deleted) atomically. KV would not do: its eventual consistency lets a
 * second use of a challenge win.
 */
import { DependencyError } from "../errors";
import type { ChallengeRecord, PasskeyChallengeObject } from "./challenge-object";

export type { ChallengeRecord };

export const CHALLENGE_TTL_MS = 5 * 60 * 1000;
/** base64url of 32 bytes, the only shape we ever issue. */
const CHALLENGE_RE = /^[A-Za-z0-9_-]{43}$/;

export interface ChallengeStore {
  /** A new challenge for `purpose` (and `userId` for a registration), valid from `now`. */
  issue(purpose: ChallengeRecord["purpose"], userId: string | null, now: number): Promise<string>;
  /** The record of `challenge`, spent by this call; null when unknown, used or expired. */
  take(challenge: string, now: number): Promise<ChallengeRecord | null>;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new DependencyError("passkey_challenges", err);
  }
}

/**
 * The store over the binding: one Durable Object per challenge.
 *
 * @example
 * const challenges = durableChallengeStore(env.PASSKEY_CHALLENGES);
 * const challenge = await challenges.issue("login", null, Date.now());
 * const record = await challenges.take(challenge, Date.now()); // null the second time
 */
export function durableChallengeStore(ns: DurableObjectNamespace<PasskeyChallengeObject>): ChallengeStore {
  const stub = (challenge: string) => ns.get(ns.idFromName(`webauthn:${challenge}`));
  return {
    async issue(purpose, userId, now) {
      for (;;) {
        const challenge = base64url(crypto.getRandomValues(new Uint8Array(32)));
        const stored = await guarded(() => stub(challenge).issue({ purpose, userId, expiresAt: now + CHALLENGE_TTL_MS }));
        if (stored) return challenge;
      }
    },
    async take(challenge, now) {
      if (!CHALLENGE_RE.test(challenge)) return null;
      return guarded(() => stub(challenge).take(now));
    },
  };
}
