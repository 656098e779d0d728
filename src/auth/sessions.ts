/**
 * Sessions: a family of rotated refresh tokens. Login starts one; each
 * refresh spends the presented token and issues its successor in one
 * transaction (no state where the old token is spent and no new one exists).
 *
 * Presenting a spent token within REFRESH_REUSE_GRACE seconds (two tabs
 * refreshing at once) returns the same successor, so two valid refresh tokens
 * never exist; later, it is reuse: the whole family is revoked.
 */
import type { Config } from "../config";
import type { Database } from "../db";
import {
  findChild,
  findToken,
  insertToken,
  lockToken,
  markUsed,
  revokeSession,
} from "../db/repositories/tokens";
import { GatewayError } from "../errors";
import { guardDb } from "../db/guard";
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

export type RotationOutcome =
  | ({ kind: "rotated" } & SessionTokens)
  | { kind: "reused"; userId: number; sessionId: string };

function refreshExpiry(config: Config, startedAt: Date, nowMs: number): Date {
  const byTtl = nowMs + config.refreshTokenTtl * 1000;
  const bySession = startedAt.getTime() + config.sessionMaxAge * 1000;
  return new Date(Math.min(byTtl, bySession));
}

/**
 * Starts a session for a user who just proved who they are, with the RFC 8176
 * methods they proved it by (src/auth/amr.ts): `["pwd"]` by default,
 * `["pwd", "otp", "mfa"]` after a second factor, `["hwk", "mfa"]` for a passkey.
 */
export async function startSession(
  db: Database,
  config: Config,
  userId: number,
  nowMs: number,
  client: ClientInfo,
  amr: readonly string[] = AMR_PASSWORD,
): Promise<SessionTokens> {
  const refreshToken = newOpaqueToken();
  const sessionId = crypto.randomUUID();
  const startedAt = new Date(nowMs);
  const expiresAt = refreshExpiry(config, startedAt, nowMs);
  await insertToken(db, {
    type: "refresh",
    hash: await hashToken(refreshToken),
    userId,
    sessionId,
    sessionStartedAt: startedAt,
    expiresAt,
    ip: client.ip,
    userAgent: client.userAgent,
    amr,
  });
  return { userId, sessionId, refreshToken, refreshExpiresAt: Math.floor(expiresAt.getTime() / 1000), refreshExpiresAtMs: expiresAt.getTime(), amr: [...amr] };
}

const invalid = () => new GatewayError("invalid_token", "The refresh token is invalid");

/** Looks a presented refresh token up without changing anything (to key the rate limit). */
export async function peekRefreshOwner(db: Database, raw: string): Promise<number> {
  if (!isOpaqueToken(raw)) throw invalid();
  const hash = await hashToken(raw);
  const row = await findToken(db, hash, "refresh");
  if (!row) throw invalid();
  return row.userId;
}

/** Spends `raw` and issues its successor, atomically. */
export async function rotateRefreshToken(
  db: Database,
  config: Config,
  raw: string,
  nowMs: number,
  client: ClientInfo,
): Promise<RotationOutcome> {
  if (!isOpaqueToken(raw)) throw invalid();
  const hash = await hashToken(raw);
  const now = new Date(nowMs);
  return guardDb(() =>
    db.transaction(async (tx) => {
      const row = await lockToken(tx, hash, "refresh");
      if (!row || !row.sessionId || !row.sessionStartedAt) throw invalid();
      if (row.isRevoked) throw invalid();
      const sessionEnd = row.sessionStartedAt.getTime() + config.sessionMaxAge * 1000;
      if (row.usedAt) {
        const withinGrace = nowMs - row.usedAt.getTime() <= config.refreshReuseGrace * 1000;
        if (withinGrace && row.successorSealed) {
          const successor = await openSuccessor(raw, row.successorSealed);
          const child = await findChild(tx, row.id);
          if (successor && child && !child.isRevoked && !child.usedAt && child.expiresAt > now) {
            return {
              kind: "rotated",
              userId: row.userId,
              sessionId: row.sessionId,
              refreshToken: successor,
              refreshExpiresAt: Math.floor(child.expiresAt.getTime() / 1000),
              refreshExpiresAtMs: child.expiresAt.getTime(),
              amr: normaliseAmr(child.amr),
            };
          }
        }
        if (row.expiresAt <= now || sessionEnd <= nowMs) {
          throw new GatewayError("token_expired", "The refresh token has expired");
        }
        await revokeSession(tx, row.userId, row.sessionId, now);
        return { kind: "reused", userId: row.userId, sessionId: row.sessionId };
      }
      if (row.expiresAt <= now || sessionEnd <= nowMs) {
        throw new GatewayError("token_expired", "The refresh token has expired");
      }
      const successor = newOpaqueToken();
      const expiresAt = refreshExpiry(config, row.sessionStartedAt, nowMs);
      await insertToken(tx, {
        type: "refresh",
        hash: await hashToken(successor),
        userId: row.userId,
        sessionId: row.sessionId,
        sessionStartedAt: row.sessionStartedAt,
        parentId: row.id,
        expiresAt,
        ip: client.ip,
        userAgent: client.userAgent,
        amr: normaliseAmr(row.amr),
      });
      await markUsed(tx, row.id, now, await sealSuccessor(raw, successor));
      return {
        kind: "rotated",
        userId: row.userId,
        sessionId: row.sessionId,
        refreshToken: successor,
        refreshExpiresAt: Math.floor(expiresAt.getTime() / 1000),
        refreshExpiresAtMs: expiresAt.getTime(),
        amr: normaliseAmr(row.amr),
      };
    }),
  );
}

/** The session a refresh token belongs to, whatever its state (for logout). */
export async function sessionOfRefreshToken(db: Database, raw: string): Promise<{ userId: number; sessionId: string } | undefined> {
  if (!isOpaqueToken(raw)) return undefined;
  const row = await findToken(db, await hashToken(raw), "refresh");
  if (!row?.sessionId) return undefined;
  return { userId: row.userId, sessionId: row.sessionId };
}
