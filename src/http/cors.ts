/**
 * CORS for ALLOWED_ORIGINS only: the allowed origin is echoed (never `*`),
 * with credentials, `Vary: Origin`. A preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) is answered here and goes no further; any
 * other request from an unlisted origin gets no CORS headers at all.
 */
import type { Context, Next } from "hono";
import type { AppEnv } from "./types";

const ALLOW_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const ALLOW_HEADERS = "authorization, content-type, x-request-id";

export async function cors(c: Context<AppEnv>, next: Next): Promise<Response | void> {
  const origin = c.req.header("origin");
  const allowed = origin !== undefined && c.get("deps").config.allowedOrigins.has(origin);
  const preflight = c.req.method === "OPTIONS" && origin !== undefined && c.req.header("access-control-request-method") !== undefined;
  if (preflight) {
    const headers: Record<string, string> = { vary: "Origin" };
    if (allowed) {
      headers["access-control-allow-origin"] = origin;
      headers["access-control-allow-credentials"] = "true";
      headers["access-control-allow-methods"] = ALLOW_METHODS;
      headers["access-control-allow-headers"] = ALLOW_HEADERS;
      headers["access-control-max-age"] = "600";
    }
    return c.body(null, 204, headers);
  }
  await next();
  if (allowed) {
    c.res.headers.set("access-control-allow-origin", origin);
    c.res.headers.set("access-control-allow-credentials", "true");
    c.res.headers.append("vary", "Origin");
  }
}
