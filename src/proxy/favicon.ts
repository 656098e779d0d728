/**
 * `GET`/`HEAD /favicon.ico`: every browser asks for it on its own, without the page's bearer
 * token, and a 401 for it is noise in the console and the logs. A request the edge would refuse
 * with 401 is answered here with 204 No Content (cached a day) and never reaches the upstream;
 * a signed-in request (cookie or bearer), or one for a /favicon.ico listed in PUBLIC_PATHS, is
 * proxied like any other path, so the app's own icon still shows.
 */
import type { Context } from "hono";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { proxyHandler } from "./handler";

export const FAVICON_PATH = "/favicon.ico";

export async function faviconHandler(c: Context<AppEnv>): Promise<Response> {
  try {
    return await proxyHandler(c);
  } catch (err) {
    if (err instanceof GatewayError && err.status === 401) {
      return c.body(null, 204, { "cache-control": "public, max-age=86400" });
    }
    throw err;
  }
}
