/** The `/auth` router: mounts each endpoint; unknown paths 404, wrong methods 405. */
import { Hono } from "hono";
import { fallbackHandler, type RouteShape } from "../http/method-router";
import type { AppEnv } from "../http/types";
import { healthHandler } from "./health";

const ROUTES: RouteShape[] = [{ path: "/health", methods: ["GET"] }];

export function authRoutes(): Hono<AppEnv> {
  const r = new Hono<AppEnv>();
  r.get("/health", healthHandler);
  r.all("*", fallbackHandler(ROUTES, "/auth"));
  return r;
}
