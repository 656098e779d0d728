/**
 * The edge decision and the reverse proxy for every path outside `/auth`:
 * public or protected (PUBLIC_PATHS, AUTH_MODE), token verification and KV
 * revocation checks, then spoofable headers stripped, identity and the
 * signed `x-auth-assertion` injected, and the request streamed upstream.
 * No database on this path.
 */
import type { Context } from "hono";
import { presentedAccessToken, verifyPresented } from "../auth/authenticate";
import { gatewayCookieNames } from "../auth/cookies";
import { GatewayError } from "../errors";
import type { AppEnv, Principal } from "../http/types";
import { clientIp } from "../http/client-ip";
import { assertionSigner } from "./assertion-signer";
import { downstreamResponseHeaders, injectIdentity, upstreamRequestHeaders } from "./headers";
import { loginRedirectUrl, safeNextPath } from "./next";
import { preserveEncoding } from "./encoding";
import { callUpstream } from "./upstream";
import { enforceApiLimit } from "./api-limit";
import { enforceRoleRules } from "./role-check";
import { hasMfa } from "../auth/amr";

function isBrowserNavigation(c: Context<AppEnv>): boolean {
  return c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html");
}

function redirectToLogin(c: Context<AppEnv>, loginUrl: string): Response {
  const url = new URL(c.req.url);
  const next = safeNextPath(c.req.path + url.search);
  return c.body(null, 302, { location: loginRedirectUrl(loginUrl, next), "cache-control": "no-store" });
}

/** Decides who the caller is; undefined means "forward anonymously". Throws to refuse. */
async function decide(c: Context<AppEnv>): Promise<Principal | undefined> {
  const config = c.get("deps").config;
  if (config.publicPaths(c.req.path)) return undefined;
  const presented = presentedAccessToken(c);
  if (!presented) {
    // A path under ROLE_RULES or MFA_PATHS needs a token even in optional mode.
    const needsIdentity = config.roleRules.rolesFor(c.req.path) || config.mfaPaths(c.req.path);
    if (config.authMode === "optional" && !needsIdentity) return undefined;
    throw new GatewayError("unauthorized", "Authentication is required", {
      headers: { "www-authenticate": "Bearer" },
    });
  }
  const principal = await verifyPresented(c, presented);
  enforceRoleRules(config.roleRules, c.req.path, principal);
  return principal;
}

export async function proxyHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  let principal: Principal | undefined;
  try {
    principal = await decide(c);
  } catch (err) {
    const unauthenticated =
      err instanceof GatewayError && err.status === 401 && config.loginUrl !== undefined && isBrowserNavigation(c);
    if (unauthenticated && config.loginUrl) return redirectToLogin(c, config.loginUrl);
    throw err;
  }
  if (principal && config.mfaPaths(c.req.path) && !hasMfa(principal.amr)) {
    throw new GatewayError("mfa_required", "This path requires a session signed in with a second factor");
  }
  if (principal) await enforceApiLimit(c, principal);

  const requestUrl = new URL(c.req.url);
  const inbound = c.req.raw.headers;
  const isUpgrade = (inbound.get("upgrade") ?? "").toLowerCase() === "websocket";
  const cookieNames = gatewayCookieNames(config);
  const headers = upstreamRequestHeaders(inbound, {
    forwardAuthorization: config.forwardAuthorization,
    gatewayCookieNames: cookieNames,
    keepUpgrade: isUpgrade,
  });
  const nowMs = deps.now();
  const assertion = principal
    ? await assertionSigner(config).sign(
        {
          sub: principal.userId,
          sid: principal.sessionId,
          email: principal.email,
          email_verified: principal.emailVerified,
          roles: principal.roles,
          amr: principal.amr,
          method: c.req.method,
          path: c.req.path,
          requestId: c.get("requestId"),
        },
        nowMs,
      )
    : undefined;
  injectIdentity(
    headers,
    principal
      ? {
          userId: principal.userId,
          email: principal.email,
          emailVerified: principal.emailVerified,
          roles: principal.roles,
          sessionId: principal.sessionId,
          amr: principal.amr,
          assertion: assertion as string,
        }
      : undefined,
    {
      clientIp: clientIp(inbound),
      proto: requestUrl.protocol.replace(":", ""),
      host: inbound.get("host") ?? requestUrl.host,
      requestId: c.get("requestId"),
    },
  );

  const upstream = await callUpstream({
    url: `${config.upstreamUrl}${c.req.path}${requestUrl.search}`,
    method: c.req.method,
    headers,
    body: c.req.raw.body,
    timeoutMs: config.upstreamTimeoutMs,
  });
  const outHeaders = downstreamResponseHeaders(upstream.headers, cookieNames);
  if (upstream.status === 101 && upstream.webSocket) {
    return new Response(null, { status: 101, webSocket: upstream.webSocket, headers: outHeaders });
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: outHeaders,
    ...preserveEncoding(upstream, outHeaders),
  });
}
