/**
 * The Hono app: middleware order, route mounting, and the one `onError`.
 *
 * Order: request id → method allow-list → configuration → per-request deps →
 * `/auth/*` routes or the edge-verified reverse proxy. Every error, ours or
 * not, leaves through `onError` as problem+json without internals.
 */
import { Hono } from "hono";
import { authRoutes } from "./auth/routes";
import { ConfigError, getConfig } from "./config";
import { buildDeps, type DepsOverrides } from "./deps";
import { GatewayError, problemResponse } from "./errors";
import { requestIdFrom } from "./http/request-id";
import type { AppEnv } from "./http/types";
import { errorKind, log } from "./log";
import { proxyRoutes } from "./proxy/routes";

const ALLOWED_METHODS = new Set(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]);

export interface AppOptions {
  /** Replaces adapters (tests: a clock, a failing KV). Production passes nothing. */
  overrides?: DepsOverrides;
}

export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async function requestContext(c, next) {
    const requestId = requestIdFrom(c.req.header("x-request-id") ?? null);
    c.set("requestId", requestId);
    if (!ALLOWED_METHODS.has(c.req.method)) {
      throw new GatewayError("method_not_allowed", "This method is not supported", {
        headers: { allow: [...ALLOWED_METHODS].join(", ") },
      });
    }
    const config = getConfig(c.env);
    const deps = buildDeps(c.env, c.executionCtx, config, options.overrides);
    c.set("deps", deps);
    try {
      await next();
    } finally {
      deps.close();
    }
    c.res.headers.set("x-request-id", requestId);
  });

  app.route("/auth", authRoutes());
  app.route("/", proxyRoutes());

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? requestIdFrom(null);
    if (err instanceof GatewayError) {
      if (err.status >= 500) {
        log("error", "request.failed", { requestId, code: err.code, cause: errorKind(err.cause) });
      }
      return problemResponse(err, requestId);
    }
    if (err instanceof ConfigError) {
      // The problems name variables, never their values; shown only in development.
      log("error", "config.invalid", { requestId, problems: err.problems });
      const dev = c.env.ENVIRONMENT === "development";
      const detail = dev ? `Invalid configuration: ${err.problems.join("; ")}` : "The gateway is misconfigured";
      return problemResponse(new GatewayError("internal_error", detail), requestId);
    }
    log("error", "request.crashed", { requestId, kind: errorKind(err) });
    return problemResponse(new GatewayError("internal_error", "An unexpected error occurred"), requestId);
  });

  return app;
}
