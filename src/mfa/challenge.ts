/**
 * The second step of a password login for a user with TOTP on: instead of a
 * session, 401 `mfa_required` with an `mfa_token` (opaque, 256 bits, stored
 * only as its SHA-256 hash, single-use, 5 minutes, bound to the user and to
 * the login's transport) and the `methods` that finish it at /auth/login/mfa.
 */
import type { Database } from "../db";
import { insertChallenge } from "../db/repositories/mfa";
import { GatewayError } from "../errors";
import { hashToken, newOpaqueToken } from "../auth/opaque-tokens";
import type { Transport } from "../auth/issue-session";

export const MFA_TOKEN_TTL_SECONDS = 300;
export const MFA_METHODS = ["totp", "recovery_code"] as const;

/** Stores a challenge and answers the error that carries its token. */
export async function mfaRequiredError(db: Database, userId: number, transport: Transport, nowMs: number): Promise<GatewayError> {
  const token = newOpaqueToken();
  await insertChallenge(db, {
    hash: await hashToken(token),
    userId,
    transport,
    expiresAt: new Date(nowMs + MFA_TOKEN_TTL_SECONDS * 1000),
    at: new Date(nowMs),
  });
  return new GatewayError("mfa_required", "A second factor is required to finish signing in", {
    status: 401,
    extensions: { mfa_token: token, methods: [...MFA_METHODS] },
  });
}
