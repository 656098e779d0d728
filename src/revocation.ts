/**
 * Revocation state in Workers KV, read on every protected request:
 * `j:<jti>` (a logged-out access token), `s:<sid>` (a revoked session), and
 * `u:<sub>` (the user's revoked-before time, epoch seconds, possibly with a
 * fraction: tokens issued before it are refused, to the millisecond when the
 * token's jti carries one (auth/jti.ts); a whole-second time leaves the same
 * second to the session keys written with it). Entries expire once every
 * token they could refuse has expired anyway: the lifetime asked for (a token's remaining life,
 * or the access-token TTL) plus the verifier's clock tolerance plus a margin,
 * since a token is still accepted for CLOCK_TOLERANCE_SECONDS past its `exp`.
 */
import { CLOCK_TOLERANCE_SECONDS } from "./auth/access-tokens";
import { DependencyError } from "./errors";

export interface RevocationCheck {
  jti: string;
  sid: string;
  sub: string;
  iat: number;
  /** Issuance time in ms (auth/jti.ts); `iat * 1000` when unknown. */
  issuedMs?: number;
}

export interface RevocationStore {
  /** "revoked" when any key refuses the token. Throws DependencyError when KV cannot answer. */
  isRevoked(token: RevocationCheck): Promise<boolean>;
  revokeToken(jti: string, ttlSeconds: number): Promise<void>;
  revokeSessions(sids: readonly string[], ttlSeconds: number): Promise<void>;
  /** Refuses the user's tokens issued before `epochSeconds` (a fraction counts: `nowMs / 1000`). */
  revokeUserBefore(sub: string, epochSeconds: number, ttlSeconds: number): Promise<void>;
  ping(): Promise<void>;
}

/** KV refuses expirationTtl under 60 s. */
const MIN_KV_TTL = 60;
/** Beyond the clock tolerance: KV's own expiry is not to the second. */
export const REVOCATION_TTL_MARGIN_SECONDS = 30;

/** How long a revocation key must live to refuse a token that may verify for `ttl` more seconds. */
export function revocationTtl(ttl: number): number {
  return Math.max(MIN_KV_TTL, Math.ceil(ttl) + CLOCK_TOLERANCE_SECONDS + REVOCATION_TTL_MARGIN_SECONDS);
}

/**
 * The KV-backed revocation store.
 *
 * @example
 * const revocations = kvRevocationStore(env.TOKEN_BLACKLIST);
 * await revocations.revokeToken(claims.jti, claims.exp - nowSeconds);
 * if (await revocations.isRevoked(claims)) throw new GatewayError("token_revoked");
 */
export function kvRevocationStore(kv: KVNamespace): RevocationStore {
  const put = async (key: string, value: string, ttl: number) => {
    try {
      await kv.put(key, value, { expirationTtl: revocationTtl(ttl) });
    } catch (err) {
      throw new DependencyError("kv", err);
    }
  };
  return {
    async isRevoked(t) {
      let found: Map<string, string | null>;
      try {
        found = await kv.get([`j:${t.jti}`, `s:${t.sid}`, `u:${t.sub}`], "text");
      } catch (err) {
        throw new DependencyError("kv", err);
      }
      if (found.get(`j:${t.jti}`) != null || found.get(`s:${t.sid}`) != null) return true;
      const before = found.get(`u:${t.sub}`);
      return before != null && (t.issuedMs ?? t.iat * 1000) / 1000 < Number(before);
    },
    revokeToken: (jti, ttl) => put(`j:${jti}`, "1", ttl),
    async revokeSessions(sids, ttl) {
      await Promise.all(sids.map((sid) => put(`s:${sid}`, "1", ttl)));
    },
    revokeUserBefore: (sub, at, ttl) => put(`u:${sub}`, String(at), ttl),
    async ping() {
      try {
        await kv.get("health:ping");
      } catch (err) {
        throw new DependencyError("kv", err);
      }
    },
  };
}
