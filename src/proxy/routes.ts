/** Everything outside `/auth`: decided at the edge, then proxied upstream. */
import { Hono } from "hono";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";

export function proxyRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.all("*", () => {
    throw new GatewayError("not_found", "No such endpoint");
  });
  return r;
}
