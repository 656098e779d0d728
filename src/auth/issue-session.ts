/**
 * Answers a login or refresh in its transport: cookies and a token-free body,
 * or the bearer body (`access_token`, `refresh_token`, `token_type`,
 * `expires_in`, `refresh_expires_in`). Always `cache-control: no-store`.
 */
import type { Context } from "hono";
import type { UserRow } from "../db/schema";
import type { AppEnv } from "../http/types";
import { accessTokenService } from "./access-tokens";
import { setSessionCookies } from "./cookies";
import type { SessionTokens } from "./sessions";
import { userJson } from "./user-json";

export type Transport = "cookie" | "bearer";

export async function respondWithSession(
  c: Context<AppEnv>,
  user: UserRow,
  session: SessionTokens,
  transport: Transport,
): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const nowMs = deps.now();
  const access = await accessTokenService(config).issue(
    { id: String(user.id), email: user.email, emailVerified: user.emailVerified, roles: user.roles },
    session.sessionId,
    nowMs,
    session.amr,
  );
  const nowS = Math.floor(nowMs / 1000);
  const expiresIn = access.expiresAt - nowS;
  // Counted in milliseconds and rounded up: the session may have started in the previous
  // second (a login's clock is read before its password hash), and a fresh refresh token
  // must still announce its whole lifetime.
  const refreshExpiresIn = Math.max(0, Math.ceil((session.refreshExpiresAtMs - nowMs) / 1000));
  c.header("cache-control", "no-store");
  c.header("pragma", "no-cache");
  if (transport === "cookie") {
    setSessionCookies(c, config, access.token, expiresIn, session.refreshToken, refreshExpiresIn);
    return c.json({ user: userJson(user), expires_in: expiresIn }, 200);
  }
  return c.json(
    {
      user: userJson(user),
      access_token: access.token,
      refresh_token: session.refreshToken,
      token_type: "Bearer",
      expires_in: expiresIn,
      refresh_expires_in: refreshExpiresIn,
    },
    200,
  );
}
