/** Everything outside `/auth`: decided at the edge, then proxied upstream. */
import { Hono } from "hono";
import type { AppEnv } from "../http/types";
import { FAVICON_PATH, faviconHandler } from "./favicon";
import { proxyHandler } from "./handler";

export function proxyRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.on(["GET", "HEAD"], FAVICON_PATH, faviconHandler);
  r.all("*", proxyHandler);
  return r;
}
