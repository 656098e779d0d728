/**
 * Authenticates a request from `Authorization: Bearer <jwt>` or the access
 * cookie: signature and claims (access-tokens.ts), then the KV revocation
 * keys. Cookie-authenticated unsafe requests, and cookie-authenticated
 * WebSocket upgrades (a GET a foreign page can open with the user's cookies:
 * cross-site WebSocket hijacking), must also pass the CSRF check.
 * Failures carry RFC 6750 `WWW-Authenticate` headers.
 */
import type { Context } from "hono";
import { GatewayError } from "../errors";
import type { AppEnv, Principal } from "../http/types";
import { accessTokenService } from "./access-tokens";
import { jtiIssuedMs } from "./jti";
import { readAccessCookie } from "./cookies";
import { assertSameOrigin, isUnsafeMethod, isWebSocketUpgrade } from "./csrf";

const BEARER_RE = /^Bearer[ \t]+([A-Za-z0-9\-_.~+/]+=*)[ \t]*$/i;
const INVALID_CHALLENGE = 'Bearer error="invalid_token"';

export interface PresentedToken {
  token: string;
  via: "bearer" | "cookie";
}

/** The access token a request presents, if any (a malformed bearer header counts as presented). */
export function presentedAccessToken(c: Context<AppEnv>): PresentedToken | undefined {
  const header = c.req.header("authorization");
  if (header !== undefined && /^bearer(\s|$)/i.test(header)) {
    const m = BEARER_RE.exec(header);
    return { token: m?.[1] ?? "", via: "bearer" };
  }
  const cookie = readAccessCookie(c, c.get("deps").config);
  return cookie ? { token: cookie, via: "cookie" } : undefined;
}

function withChallenge(err: GatewayError): GatewayError {
  return new GatewayError(err.code, err.detail, {
    status: err.status,
    headers: { ...err.headers, "www-authenticate": INVALID_CHALLENGE },
  });
}

/** Verifies a presented token into a Principal; throws 401 (or 503 when KV cannot answer). */
export async function verifyPresented(c: Context<AppEnv>, presented: PresentedToken): Promise<Principal> {
  const deps = c.get("deps");
  let claims;
  try {
    claims = await accessTokenService(deps.config).verify(presented.token, deps.now());
  } catch (err) {
    if (err instanceof GatewayError) throw withChallenge(err);
    throw err;
  }
  const revoked = await deps.revocations.isRevoked({
    jti: claims.jti,
    sid: claims.sid,
    sub: claims.sub,
    iat: claims.iat,
    issuedMs: jtiIssuedMs(claims.jti, claims.iat),
  });
  if (revoked) throw withChallenge(new GatewayError("token_revoked", "The access token has been revoked"));
  if (presented.via === "cookie" && (isUnsafeMethod(c.req.method) || isWebSocketUpgrade(c.req.raw.headers))) {
    assertSameOrigin(c.req.raw, deps.config);
  }
  return {
    userId: claims.sub,
    sessionId: claims.sid,
    jti: claims.jti,
    email: claims.email,
    emailVerified: claims.email_verified,
    roles: claims.roles,
    amr: claims.amr,
    issuedAt: claims.iat,
    expiresAt: claims.exp,
    via: presented.via,
  };
}

/** The request's principal, or undefined when it presents no token at all. */
export async function authenticate(c: Context<AppEnv>): Promise<Principal | undefined> {
  const presented = presentedAccessToken(c);
  if (!presented) return undefined;
  const principal = await verifyPresented(c, presented);
  c.set("principal", principal);
  return principal;
}

/** Like authenticate, but a missing token is 401 `unauthorized`. */
export async function requirePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const principal = await authenticate(c);
  if (!principal) {
    throw new GatewayError("unauthorized", "Authentication is required", {
      headers: { "www-authenticate": "Bearer" },
    });
  }
  return principal;
}
