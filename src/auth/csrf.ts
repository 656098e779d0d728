/**
 * CSRF for cookie-authenticated (or cookie-requesting) unsafe requests:
 * refused when `Origin` is present and not ours (or an ALLOWED_ORIGIN),
 * `Origin: null` included; when `Sec-Fetch-Site` is `cross-site`; or when
 * neither header is sent. Bearer-authenticated requests never reach here.
 * A cookie-authenticated WebSocket upgrade is held to the same rule.
 */
import type { Config } from "../config";
import { GatewayError } from "../errors";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

/** A WebSocket handshake: browsers send it with cookies from any page, so it is treated as unsafe. */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return (headers.get("upgrade") ?? "").toLowerCase() === "websocket";
}

export function isTrustedOrigin(origin: string, requestUrl: string, config: Config): boolean {
  if (origin === config.publicOrigin || config.allowedOrigins.has(origin)) return true;
  return origin === new URL(requestUrl).origin;
}

export function assertSameOrigin(request: Request, config: Config): void {
  const origin = request.headers.get("origin");
  const site = request.headers.get("sec-fetch-site");
  const refuse = () => new GatewayError("csrf_failed", "Cross-site request refused");
  if (origin !== null) {
    if (!isTrustedOrigin(origin, request.url, config)) throw refuse();
  } else if (site === null) {
    throw refuse();
  }
  if (site !== null && site.toLowerCase() === "cross-site") throw refuse();
}
