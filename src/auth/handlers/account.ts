/** GET /auth/me, GET /auth/sessions, DELETE /auth/sessions/{id}: one database round trip each. */
import type { Context } from "hono";
import { listLiveSessions, revokeRefresh } from "../../db/repositories/tokens";
import { findUserById } from "../../db/repositories/users";
import { GatewayError } from "../../errors";
import type { AppEnv } from "../../http/types";
import { auditRecord, logAudit } from "../audit";
import { revokeReliably } from "../revoke-reliably";
import { requirePrincipal } from "../authenticate";
import { userJson } from "../user-json";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function userIdOf(sub: string): number {
  const id = Number(sub);
  if (!Number.isSafeInteger(id)) throw new GatewayError("invalid_token", "The access token is invalid");
  return id;
}

export async function meHandler(c: Context<AppEnv>): Promise<Response> {
  const principal = await requirePrincipal(c);
  const user = await findUserById(c.get("deps").db(), userIdOf(principal.userId));
  if (!user) throw new GatewayError("invalid_token", "The account no longer exists", { headers: { "www-authenticate": 'Bearer error="invalid_token"' } });
  return c.json({ user: userJson(user) }, 200, { "cache-control": "no-store" });
}

export async function listSessionsHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const principal = await requirePrincipal(c);
  const sessions = await listLiveSessions(
    deps.db(),
    userIdOf(principal.userId),
    new Date(deps.now()),
    deps.config.sessionMaxAge,
  );
  return c.json(
    {
      sessions: sessions.map((s) => ({
        id: s.sessionId,
        created_at: s.startedAt.toISOString(),
        last_used_at: s.lastUsedAt.toISOString(),
        ip_address: s.ip,
        user_agent: s.userAgent,
        current: s.sessionId === principal.sessionId,
      })),
    },
    200,
    { "cache-control": "no-store" },
  );
}

export async function deleteSessionHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const principal = await requirePrincipal(c);
  const id = c.req.param("id") ?? "";
  const notFound = () => new GatewayError("not_found", "No such session");
  if (!UUID_RE.test(id)) throw notFound();
  const userId = userIdOf(principal.userId);
  const record = auditRecord(c, "session_revoked", { userId, detail: { session: id } });
  // One statement (revocation and audit row); the id is only known to be the user's once it ran.
  const revoked = await revokeRefresh(deps.db(), { userId, sessionId: id, at: new Date(deps.now()) }, { record, if: "live" });
  if (revoked.live === 0) throw notFound();
  await revokeReliably(c, (r) => r.revokeSessions([id], deps.config.accessTokenTtl));
  logAudit(c, record);
  return c.body(null, 204);
}
