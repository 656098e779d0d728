/**
 * Sessions: a family of rotated refresh tokens. Login starts one; each
 * refresh spends the presented token and issues its successor in one
 * statement (no state where the old token is spent and no new one exists).
 *
 * A refresh is two steps so that the per-user rate limit is charged only for
 * a token that would rotate: `inspectRefreshToken` (one read) decides, then
 * `rotateRefreshToken` (one write) rotates. Presenting a spent token within
 * REFRESH_REUSE_GRACE seconds (two tabs refreshing at once) returns the same
 * successor, so two valid refresh tokens never exist; later, it is reuse
 * (detected before the expiry check: a thief who keeps rotating loses the
 * session), and the whole family is revoked.
 */
import type { Config } from "../config";
import type { Database } from "../db";
import type { AuthEventInput } from "../db/repositories/events";
import { peekRefresh, rotateRefresh, startSessionWithLogin, type Rotated } from "../db/repositories/refresh";
import type { UserRow } from "../db/schema";
import { AMR_PASSWORD, normaliseAmr } from "./amr";
import { hashToken, isOpaqueToken, newOpaqueToken, openSuccessor, sealSuccessor } from "./opaque-tokens";

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export interface SessionTokens {
  userId: number;
  sessionId: string;
  refreshToken: string;
  /** Epoch seconds. */
  refreshExpiresAt: number;
  /** The same instant in milliseconds (the answer's `refresh_expires_in` is counted from it). */
  refreshExpiresAtMs: number;
  /** RFC 8176 methods the session started with; a refresh keeps them. */
  amr: string[];
}

function expiry(at: Date): Pick<SessionTokens, "refreshExpiresAt" | "refreshExpiresAtMs"> {
  return { refreshExpiresAt: Math.floor(at.getTime() / 1000), refreshExpiresAtMs: at.getTime() };
}

function refreshExpiry(config: Config, startedAt: Date, nowMs: number): Date {
  const byTtl = nowMs + config.refreshTokenTtl * 1000;
  const bySession = startedAt.getTime() + config.sessionMaxAge * 1000;
  return new Date(Math.min(byTtl, bySession));
}

export interface LoginWrite {
  userId: number;
  nowMs: number;
  client: ClientInfo;
  /**
   * RFC 8176 methods the person proved (src/auth/amr.ts): `["pwd"]` by default,
   * `["pwd", "otp", "mfa"]` after a second factor, `["hwk", "mfa"]` for a passkey.
   */
  amr?: readonly string[];
  /** Set when the password hash should be upgraded. */
  newPasswordHash?: string;
  event: AuthEventInput;
}

/**
 * Starts a session for a user who just proved who they are: the user row,
 * the first refresh token and the audit row in one statement.
 */
export async function startSession(
  db: Database,
  config: Config,
  w: LoginWrite,
): Promise<{ user: UserRow; session: SessionTokens } | undefined> {
  const refreshToken = newOpaqueToken();
  const sessionId = crypto.randomUUID();
  const amr = w.amr ?? AMR_PASSWORD;
  const startedAt = new Date(w.nowMs);
  const expiresAt = refreshExpiry(config, startedAt, w.nowMs);
  const user = await startSessionWithLogin(db, {
    userId: w.userId,
    tokenHash: await hashToken(refreshToken),
    sessionId,
    startedAt,
    expiresAt,
    ip: w.client.ip,
    userAgent: w.client.userAgent,
    amr,
    newPasswordHash: w.newPasswordHash,
    event: w.event,
  });
  if (!user) return undefined;
  return { user, session: { userId: w.userId, sessionId, refreshToken, ...expiry(expiresAt), amr: [...amr] } };
}

/** What a presented refresh token would do, decided without changing anything. */
export type RefreshDecision =
  | { kind: "invalid" }
  | { kind: "expired" }
  | { kind: "disabled"; userId: number }
  | { kind: "rotate"; userId: number }
  | { kind: "grace"; session: SessionTokens }
  | { kind: "reused"; userId: number; sessionId: string };

/** One read: the token, its owner's status and, once spent, its successor. */
export async function inspectRefreshToken(db: Database, config: Config, raw: string, nowMs: number): Promise<RefreshDecision> {
  if (!isOpaqueToken(raw)) return { kind: "invalid" };
  const row = await peekRefresh(db, await hashToken(raw));
  if (!row || !row.sessionId || !row.sessionStartedAt) return { kind: "invalid" };
  // A disabled account says so, even for its revoked tokens (disabling revokes them all).
  if (row.accountStatus !== "active") return { kind: "disabled", userId: row.userId };
  if (row.isRevoked) return { kind: "invalid" };
  if (row.usedAt) {
    const withinGrace = nowMs - row.usedAt.getTime() <= config.refreshReuseGrace * 1000;
    const child = row.child;
    if (withinGrace && row.successorSealed && child && !child.isRevoked && !child.usedAt && child.expiresAt.getTime() > nowMs) {
      const successor = await openSuccessor(raw, row.successorSealed);
      if (successor) {
        return {
          kind: "grace",
          session: {
            userId: row.userId,
            sessionId: row.sessionId,
            refreshToken: successor,
            ...expiry(child.expiresAt),
            amr: normaliseAmr(child.amr),
          },
        };
      }
    }
    // Reuse is decided before expiry: a spent token is evidence of theft whatever its age.
    return { kind: "reused", userId: row.userId, sessionId: row.sessionId };
  }
  const sessionEnd = row.sessionStartedAt.getTime() + config.sessionMaxAge * 1000;
  if (row.expiresAt.getTime() <= nowMs || sessionEnd <= nowMs) return { kind: "expired" };
  return { kind: "rotate", userId: row.userId };
}

/**
 * Spends `raw` and issues its successor, atomically, with the audit row.
 * Undefined when it no longer could (a concurrent refresh or revocation got
 * there first): inspect again to learn which.
 */
export async function rotateRefreshToken(
  db: Database,
  config: Config,
  raw: string,
  nowMs: number,
  client: ClientInfo,
  event: AuthEventInput,
): Promise<({ session: SessionTokens } & Pick<Rotated, "user">) | undefined> {
  const successor = newOpaqueToken();
  const rotated = await rotateRefresh(db, {
    hash: await hashToken(raw),
    successorHash: await hashToken(successor),
    successorSealed: await sealSuccessor(raw, successor),
    now: new Date(nowMs),
    expiresByTtl: new Date(nowMs + config.refreshTokenTtl * 1000),
    sessionMaxAgeSeconds: config.sessionMaxAge,
    ip: client.ip,
    userAgent: client.userAgent,
    event,
  });
  if (!rotated) return undefined;
  return {
    user: rotated.user,
    session: {
      userId: rotated.user.id,
      sessionId: rotated.sessionId,
      refreshToken: successor,
      ...expiry(rotated.expiresAt),
      amr: normaliseAmr(rotated.amr),
    },
  };
}
