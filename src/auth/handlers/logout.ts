/**
 * POST /auth/logout and POST /auth/logout-all.
 *
 * logout: either token is enough. The access token's `jti` is blacklisted in
 * KV until its `exp`, the session is revoked (Postgres, and in KV so its other
 * access tokens die too), and the cookies are cleared: 204 even with no or a
 * bad token. logout-all: every session of the user, and a revoked-before time.
 * One database statement each (revocation and audit row together).
 */
import type { Context } from "hono";
import { revokeForLogout, revokeRefresh } from "../../db/repositories/tokens";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { parseBody } from "../../http/schema";
import { RefreshTokenBody } from "../schemas";
import type { AppEnv, Principal } from "../../http/types";
import { accessTokenService } from "../access-tokens";
import { auditRecord, logAudit } from "../audit";
import { presentedAccessToken, requirePrincipal, type PresentedToken } from "../authenticate";
import { clearSessionCookies, readRefreshCookie } from "../cookies";
import { assertSameOrigin } from "../csrf";
import { hashToken, isOpaqueToken } from "../opaque-tokens";
import { revokeReliably } from "../revoke-reliably";

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
  const userId = principal ? Number(principal.userId) : undefined;
  const own = principal && Number.isSafeInteger(userId) ? { userId: userId as number, sessionId: principal.sessionId } : undefined;
  const refreshHash = refresh && isOpaqueToken(refresh) ? await hashToken(refresh) : undefined;

  const ttl = config.accessTokenTtl;
  if (own || refreshHash) {
    const record = auditRecord(c, "logout", { userId: own?.userId ?? null });
    // The access token names its own session: its KV keys go out with the database statement.
    const [ended] = await Promise.all([
      revokeForLogout(deps.db(), { principal: own, refreshHash, at: new Date(nowMs), event: record }),
      principal
        ? Promise.all([
            deps.revocations.revokeToken(principal.jti, principal.expiresAt - Math.floor(nowMs / 1000)),
            deps.revocations.revokeSessions([principal.sessionId], ttl),
          ])
        : undefined,
    ]);
    // A session learned from the refresh token: its key after the commit, retried until it sticks.
    const others = ended.sessions.filter((sid) => sid !== principal?.sessionId);
    if (others.length > 0) await revokeReliably(c, (r) => r.revokeSessions(others, ttl));
    if (ended.sessions.length > 0) logAudit(c, record, ended.userId);
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
  const ttl = config.accessTokenTtl;
  const record = auditRecord(c, "logout_all", { userId });
  // The revoked-before time and this token's keys need nothing from the database: in parallel with it.
  const [revoked] = await Promise.all([
    revokeRefresh(deps.db(), { userId, at: new Date(nowMs) }, { record }),
    deps.revocations.revokeUserBefore(principal.userId, Math.floor(nowMs / 1000), ttl),
    deps.revocations.revokeToken(principal.jti, principal.expiresAt - Math.floor(nowMs / 1000)),
    deps.revocations.revokeSessions([principal.sessionId], ttl),
  ]);
  const others = revoked.sessions.filter((sid) => sid !== principal.sessionId);
  if (others.length > 0) await revokeReliably(c, (r) => r.revokeSessions(others, ttl));
  logAudit(c, record);
  clearSessionCookies(c, config);
  c.header("cache-control", "no-store");
  return c.body(null, 204);
}
