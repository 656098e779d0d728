/**
 * POST /auth/logout and POST /auth/logout-all.
 *
 * logout: either token is enough. The access token's `jti` is blacklisted in
 * KV until its `exp`, the session is revoked (Postgres, and in KV so its other
 * access tokens die too), and the cookies are cleared: 204 even with no or a
 * bad token. logout-all: every session of the user, and a revoked-before time.
 */
import type { Context } from "hono";
import { revokeSession, revokeUserSessions } from "../../db/repositories/tokens";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import { RefreshTokenBody } from "../schemas";
import type { AppEnv, Principal } from "../../http/types";
import { accessTokenService } from "../access-tokens";
import { audit } from "../audit";
import { presentedAccessToken, requirePrincipal, type PresentedToken } from "../authenticate";
import { clearSessionCookies, readRefreshCookie } from "../cookies";
import { assertSameOrigin } from "../csrf";
import { sessionOfRefreshToken } from "../sessions";

/** The principal of a presented access token, or undefined if it is missing, bad or expired. */
async function tryPrincipal(
  c: Context<AppEnv>,
  presented: PresentedToken | undefined,
): Promise<Pick<Principal, "userId" | "sessionId" | "jti" | "expiresAt"> | undefined> {
  if (!presented) return undefined;
  try {
    const claims = await accessTokenService(c.get("deps").config).verify(presented.token, c.get("deps").now());
    return { userId: claims.sub, sessionId: claims.sid, jti: claims.jti, expiresAt: claims.exp };
  } catch {
    return undefined;
  }
}

export async function logoutHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const body = await readJsonObject(c.req.raw, { optional: true });
  const fields = parseBody(body, RefreshTokenBody);
  const refreshCookie = readRefreshCookie(c, config);
  const presented = presentedAccessToken(c);
  const usesCookies = presented?.via === "cookie" || refreshCookie !== undefined;
  if (usesCookies) assertSameOrigin(c.req.raw, config);

  const nowMs = deps.now();
  const principal = await tryPrincipal(c, presented);
  const refresh = fields.refresh_token ?? refreshCookie;
  const bySession = refresh ? await sessionOfRefreshToken(deps.db(), refresh) : undefined;

  const ttl = config.accessTokenTtl;
  if (principal) {
    await deps.revocations.revokeToken(principal.jti, principal.expiresAt - Math.floor(nowMs / 1000));
  }
  const sessions = new Map<string, number>();
  if (principal) sessions.set(principal.sessionId, Number(principal.userId));
  if (bySession) sessions.set(bySession.sessionId, bySession.userId);
  if (sessions.size > 0) {
    await deps.revocations.revokeSessions([...sessions.keys()], ttl);
    for (const [sid, userId] of sessions) {
      if (Number.isSafeInteger(userId)) await revokeSession(deps.db(), userId, sid, new Date(nowMs));
    }
    audit(c, "logout", { userId: [...sessions.values()][0] ?? null });
  }
  clearSessionCookies(c, config);
  c.header("cache-control", "no-store");
  return c.body(null, 204);
}

export async function logoutAllHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const principal = await requirePrincipal(c);
  const userId = Number(principal.userId);
  if (!Number.isSafeInteger(userId)) throw new GatewayError("invalid_token", "The access token is invalid");
  const nowMs = deps.now();
  const sessions = await revokeUserSessions(deps.db(), userId, new Date(nowMs));
  const ttl = config.accessTokenTtl;
  await Promise.all([
    deps.revocations.revokeSessions([...new Set([...sessions, principal.sessionId])], ttl),
    deps.revocations.revokeUserBefore(principal.userId, Math.floor(nowMs / 1000), ttl),
    deps.revocations.revokeToken(principal.jti, principal.expiresAt - Math.floor(nowMs / 1000)),
  ]);
  audit(c, "logout_all", { userId, detail: { sessions: sessions.length } });
  clearSessionCookies(c, config);
  c.header("cache-control", "no-store");
  return c.body(null, 204);
}
