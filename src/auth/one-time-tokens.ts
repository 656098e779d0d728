/**
 * One-time tokens (password reset: 30 min; email verification: 24 h): a newer
 * one supersedes the older ones of the same kind, and spending one is a single
 * conditional UPDATE, so a token can never be used twice, even concurrently.
 */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Database } from "../db";
import { guardDb } from "../db/guard";
import { insertToken, revokeOneTimeTokens, type Executor } from "../db/repositories/tokens";
import { authTokens } from "../db/schema";
import { hashToken, isOpaqueToken, newOpaqueToken } from "./opaque-tokens";

export type OneTimeKind = "password_reset" | "email_verification";

export const ONE_TIME_TTL_SECONDS: Record<OneTimeKind, number> = {
  password_reset: 30 * 60,
  email_verification: 24 * 60 * 60,
};

/** Issues a token for `userId`, revoking any older unspent one of the same kind. */
export async function issueOneTimeToken(
  db: Database,
  kind: OneTimeKind,
  userId: number,
  nowMs: number,
  client: { ip: string | null; userAgent: string | null },
): Promise<string> {
  const raw = newOpaqueToken();
  const hash = await hashToken(raw);
  await guardDb(() =>
    db.transaction(async (tx) => {
      await revokeOneTimeTokens(tx, userId, kind, new Date(nowMs));
      await insertToken(tx, {
        type: kind,
        hash,
        userId,
        expiresAt: new Date(nowMs + ONE_TIME_TTL_SECONDS[kind] * 1000),
        ip: client.ip,
        userAgent: client.userAgent,
      });
    }),
  );
  return raw;
}

/** Spends a token; returns its user id, or undefined when unknown, used, revoked or expired. */
export async function spendOneTimeToken(db: Executor, kind: OneTimeKind, raw: string, nowMs: number): Promise<number | undefined> {
  if (!isOpaqueToken(raw)) return undefined;
  const hash = await hashToken(raw);
  const now = new Date(nowMs);
  return guardDb(async () => {
    const rows = await db
      .update(authTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(authTokens.tokenHash, hash),
          eq(authTokens.tokenType, kind),
          isNull(authTokens.usedAt),
          eq(authTokens.isRevoked, false),
          gt(authTokens.expiresAt, now),
        ),
      )
      .returning({ userId: authTokens.userId });
    return rows[0]?.userId;
  });
}

