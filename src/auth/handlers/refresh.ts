/**
 * POST /auth/refresh: rotates the presented refresh token (cookie, or body
 * `refresh_token`) and answers in the transport it came by. A cookie refresh
 * is cookie-authenticated, so it passes the CSRF check first. Reuse of a
 * spent token revokes the session: in Postgres, and in KV for its access tokens.
 */
import type { Context } from "hono";
import { findUserById } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import { RefreshTokenBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit } from "../audit";
import { clientInfo } from "../client-info";
import { readRefreshCookie } from "../cookies";
import { assertSameOrigin } from "../csrf";
import { respondWithSession, type Transport } from "../issue-session";
import { enforceRateLimits } from "../rate-limit";
import { peekRefreshOwner, rotateRefreshToken } from "../sessions";

export async function refreshHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const body = await readJsonObject(c.req.raw, { optional: true });
  const fields = parseBody(body, RefreshTokenBody);
  let raw: string;
  let transport: Transport;
  if (fields.refresh_token !== undefined) {
    raw = fields.refresh_token;
    transport = "bearer";
  } else {
    const cookie = readRefreshCookie(c, config);
    if (!cookie) throw new GatewayError("invalid_token", "No refresh token was presented");
    assertSameOrigin(c.req.raw, config);
    raw = cookie;
    transport = "cookie";
  }
  const db = deps.db();
  const owner = await peekRefreshOwner(db, raw);
  await enforceRateLimits(c, [{ key: `refresh:${owner}`, policy: config.rateLimits.refresh }]);

  const user = await findUserById(db, owner);
  if (!user) throw new GatewayError("invalid_token", "The refresh token is invalid");
  if (user.accountStatus !== "active") throw new GatewayError("account_disabled", "This account is disabled");

  const outcome = await rotateRefreshToken(db, config, raw, deps.now(), clientInfo(c));
  if (outcome.kind === "reused") {
    await deps.revocations.revokeSessions([outcome.sessionId], config.accessTokenTtl);
    audit(c, "refresh_reuse_detected", { userId: outcome.userId, detail: { session: outcome.sessionId } });
    deps.events.emit("session.reuse_detected", { user_id: String(outcome.userId), session_id: outcome.sessionId });
    throw new GatewayError("token_reused", "This refresh token was already used; the session has been ended");
  }
  audit(c, "refresh", { userId: user.id, detail: { session: outcome.sessionId } });
  return respondWithSession(c, user, outcome, transport);
}
