/**
 * POST /auth/refresh: rotates the presented refresh token (cookie, or body
 * `refresh_token`) and answers in the transport it came by. A cookie refresh
 * is cookie-authenticated, so it passes the CSRF check first.
 *
 * Two database round trips on the normal path: one read (the token, in
 * parallel with the per-IP limit) decides; the per-user limit is charged only
 * when the token would rotate, so nobody spends another user's budget with a
 * stale, revoked or made-up token; one statement rotates (with the audit row).
 * Reuse of a spent token revokes the session: in KV first (idempotent), then
 * in Postgres with its audit row, in one statement.
 */
import type { Context } from "hono";
import { revokeRefresh } from "../../db/repositories/tokens";
import { findUserById } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import { RefreshTokenBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit, auditRecord, logAudit } from "../audit";
import { clientInfo } from "../client-info";
import { readRefreshCookie } from "../cookies";
import { assertSameOrigin } from "../csrf";
import { respondWithSession, type Transport } from "../issue-session";
import { enforceRateLimits } from "../rate-limit";
import { inspectRefreshToken, rotateRefreshToken, type RefreshDecision } from "../sessions";

const invalid = () => new GatewayError("invalid_token", "The refresh token is invalid");

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
  const client = clientInfo(c);
  const nowMs = deps.now();
  const [first] = await Promise.all([
    inspectRefreshToken(db, config, raw, nowMs),
    enforceRateLimits(c, [{ key: `refresh-ip:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.refreshIp }]),
  ]);
  let decision: RefreshDecision = first;
  if (decision.kind === "rotate") {
    await enforceRateLimits(c, [{ key: `refresh:${decision.userId}`, policy: config.rateLimits.refresh }]);
    const record = auditRecord(c, "refresh", { userId: decision.userId });
    const rotated = await rotateRefreshToken(db, config, raw, nowMs, client, record);
    if (rotated) {
      logAudit(c, record, rotated.user.id);
      return respondWithSession(c, rotated.user, rotated.session, transport);
    }
    // A concurrent refresh (or revocation) got there first: what is the token now?
    decision = await inspectRefreshToken(db, config, raw, nowMs);
  }
  switch (decision.kind) {
    case "grace": {
      const user = await findUserById(db, decision.session.userId);
      if (!user) throw invalid();
      audit(c, "refresh", { userId: user.id, detail: { session: decision.session.sessionId, grace: true } });
      return respondWithSession(c, user, decision.session, transport);
    }
    case "reused": {
      // KV first: the key is idempotent, and a failure here leaves the database untouched for a retry.
      await deps.revocations.revokeSessions([decision.sessionId], config.accessTokenTtl);
      const record = auditRecord(c, "refresh_reuse_detected", { userId: decision.userId, detail: { session: decision.sessionId } });
      await revokeRefresh(db, { userId: decision.userId, sessionId: decision.sessionId, at: new Date(nowMs) }, { record });
      logAudit(c, record);
      deps.events.emit("session.reuse_detected", { user_id: String(decision.userId), session_id: decision.sessionId });
      throw new GatewayError("token_reused", "This refresh token was already used; the session has been ended");
    }
    case "disabled":
      throw new GatewayError("account_disabled", "This account is disabled");
    case "expired":
      throw new GatewayError("token_expired", "The refresh token has expired");
    default:
      throw invalid();
  }
}
