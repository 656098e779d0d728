/**
 * The scheduled cleanup (Cron Trigger, see wrangler.toml): deletes expired
 * tokens, tokens revoked or spent more than a day ago (reuse detection no
 * longer needs them once they have expired), and audit events older than
 * AUDIT_RETENTION_DAYS.
 */
import { lt } from "drizzle-orm";
import { getConfig } from "./config";
import { openDatabase, type DatabaseHandle } from "./db";
import { databaseOptions } from "./deps";
import { guardDb } from "./db/guard";
import { deleteStaleTokens } from "./db/repositories/tokens";
import { deleteExpiredChallenges } from "./db/repositories/mfa";
import { authEvents } from "./db/schema";
import type { Config } from "./config";
import { errorKind, log } from "./log";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface CleanupResult {
  tokens: number;
  events: number;
  /** Expired MFA login challenges (mfa_token rows). */
  mfaChallenges: number;
}

export async function runCleanup(
  env: object,
  scheduledTime: number,
  open: (config: Config) => DatabaseHandle = (c) => openDatabase(databaseOptions(c)),
): Promise<CleanupResult> {
  const config = getConfig(env);
  const handle = open(config);
  try {
    const now = new Date(scheduledTime);
    const tokens = await deleteStaleTokens(handle.db, now, new Date(scheduledTime - DAY_MS));
    const mfaChallenges = await deleteExpiredChallenges(handle.db, now);
    const events = await guardDb(async () => {
      const rows = await handle.db
        .delete(authEvents)
        .where(lt(authEvents.createdAt, new Date(scheduledTime - config.auditRetentionDays * DAY_MS)))
        .returning({ id: authEvents.id });
      return rows.length;
    });
    log("info", "cleanup.done", { tokens, events, mfaChallenges });
    return { tokens, events, mfaChallenges };
  } catch (err) {
    log("error", "cleanup.failed", { kind: errorKind(err) });
    throw err;
  } finally {
    await handle.close();
  }
}
