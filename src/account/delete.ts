/**
 * DELETE /auth/me: `{"password"}` (and `"code"`, a TOTP or recovery code,
 * when TOTP is on: see second-factor.ts). Erases the account in one
 * statement (src/db/repositories/account.ts `eraseUser`): the row stays, as
 * `deleted`, for the app's foreign keys; the email may register again; MFA
 * factors, passkeys and every token go. Then every session and access token
 * of the user is refused.
 *
 * Concurrency: the erasure only acts on a row that is not yet deleted, so two
 * deletions at once erase once, audit and event once; the later one answers
 * 204 (nothing left to do), or 401 when it arrives after the erasure or
 * presents a TOTP code the first one already spent. A refresh racing the
 * erasure may still write a token row after it: that row can never be used
 * (the account is `deleted`, so refresh refuses it, and the user's
 * revoked-before time is set a minute ahead), and a sweep a moment later
 * deletes it, with anything else a racing request wrote (a pending email
 * change or TOTP secret, a passkey).
 */
import type { Context } from "hono";
import { eraseUser, sweepDeletedUser } from "../db/repositories/account";
import { findUserById } from "../db/repositories/users";
import { GatewayError } from "../errors";
import { readJsonObject } from "../http/body";
import { parseBody } from "../http/schema";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { requirePrincipal } from "../auth/authenticate";
import { clearSessionCookies } from "../auth/cookies";
import { DeleteAccountBody } from "./schemas";
import { presentedCode, recheckAllFactors } from "./second-factor";

/** Tokens issued up to this long after the erasure (a racing refresh) are refused too. */
const RACE_MARGIN_SECONDS = 60;
const SWEEP_DELAY_MS = 2000;

export async function deleteAccountHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const principal = await requirePrincipal(c);
  const fields = parseBody(await readJsonObject(c.req.raw), DeleteAccountBody);
  const code = presentedCode(fields.code);
  const db = deps.db();
  const userId = Number(principal.userId);
  const user = Number.isSafeInteger(userId) ? await findUserById(db, userId) : undefined;
  if (!user || user.accountStatus === "deleted") throw new GatewayError("invalid_token", "The access token is invalid");
  await recheckAllFactors(c, user, fields.password, code);

  const nowMs = deps.now();
  const { erased, sessions } = await eraseUser(db, userId, new Date(nowMs));
  const ttl = config.accessTokenTtl + RACE_MARGIN_SECONDS;
  await Promise.all([
    sessions.length > 0 ? deps.revocations.revokeSessions(sessions, ttl) : Promise.resolve(),
    deps.revocations.revokeSessions([principal.sessionId], ttl),
    deps.revocations.revokeUserBefore(String(userId), Math.floor(nowMs / 1000) + RACE_MARGIN_SECONDS, ttl),
    deps.lockouts.reset(user.email),
  ]);
  if (erased) {
    audit(c, "account_deleted", { userId, detail: { sessions_revoked: sessions.length } });
    deps.events.emit("user.deleted", { user_id: String(userId) });
    deps.defer(
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, SWEEP_DELAY_MS));
        await sweepDeletedUser(db, userId);
      })(),
    );
  }
  clearSessionCookies(c, config);
  return c.body(null, 204, { "cache-control": "no-store" });
}
