/**
 * KV revocation after a database commit. Once Postgres has revoked a session
 * (or spent a token), a retry of the request can no longer finish the KV
 * side, so a failed KV write is not the client's to retry: it is retried here,
 * after the response (waitUntil), until it sticks or the attempts run out.
 * The keys are idempotent, so a write that did land and is repeated is harmless.
 * Where the keys are known before the commit, callers write them first instead.
 */
import type { Context } from "hono";
import type { AppEnv } from "../http/types";
import { log } from "../log";
import type { RevocationStore } from "../revocation";

/** Delays between the retries after a failed first attempt, ms. */
export const KV_RETRY_DELAYS_MS = [100, 400, 1600, 6400] as const;

/** Writes KV revocation keys now, or retries them after the response; never throws. */
export function revokeReliably(c: Context<AppEnv>, write: (r: RevocationStore) => Promise<unknown>): Promise<void> {
  const revocations = c.get("deps").revocations;
  return retryAfterCommit(c, () => write(revocations));
}

/** Runs idempotent work that must happen once the database committed (KV keys, a lock reset); never throws. */
export async function retryAfterCommit(c: Context<AppEnv>, write: () => Promise<unknown>): Promise<void> {
  const deps = c.get("deps");
  try {
    await write();
    return;
  } catch {
    log("warn", "revocation.kv_retrying", { requestId: c.get("requestId") });
  }
  deps.defer(
    (async () => {
      for (const delay of KV_RETRY_DELAYS_MS) {
        await new Promise((r) => setTimeout(r, delay));
        try {
          await write();
          return;
        } catch {
          // next attempt
        }
      }
      log("error", "revocation.kv_failed", { requestId: c.get("requestId") });
    })(),
  );
}
