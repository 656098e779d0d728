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
import { cors } from "./http/cors";
import { normalizePath } from "./proxy/path";
import { proxyRoutes } from "./proxy/routes";

const ALLOWED_METHODS = new Set(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]);
/** What routing sees for a path normalisation refuses: no real path can equal it. */
const BAD_PATH = "\u0000bad-path";

/** Routing, auth decisions and the upstream all use the normalised path. */
function normalisedPath(request: Request): string {
  const url = request.url;
  const start = url.indexOf("/", url.indexOf("://") + 3);
  const end = url.search(/[?#]/);
  const raw = start === -1 ? "/" : url.slice(start, end === -1 ? undefined : end);
  const result = normalizePath(raw);
  return result.ok ? result.path : BAD_PATH;
}

export interface AppOptions {
  /** Replaces adapters (tests: a clock, a failing KV). Production passes nothing. */
  overrides?: DepsOverrides;
}

/**
 * Builds the gateway's Hono app (src/index.ts builds it once per isolate).
 *
 * @example
 * const app = createApp();
 * export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
 * // tests: createApp({ overrides: { now: () => fixedTime } })
 */
export function createApp(options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>({ getPath: normalisedPath });

  app.use(async function requestContext(c, next) {
    const requestId = requestIdFrom(c.req.header("x-request-id") ?? null);
    c.set("requestId", requestId);
    if (!ALLOWED_METHODS.has(c.req.method)) {
      throw new GatewayError("method_not_allowed", "This method is not supported", {
        headers: { allow: [...ALLOWED_METHODS].join(", ") },
      });
    }
    if (c.req.path === BAD_PATH) throw new GatewayError("bad_path", "The request path is not acceptable");
    const config = getConfig(c.env);
    const deps = buildDeps(c.env, c.executionCtx, config, options.overrides);
    c.set("deps", deps);
    try {
      await next();
    } finally {
      deps.close();
    }
    c.res.headers.set("x-request-id", requestId);
    for (const [k, v] of Object.entries(c.get("stickyHeaders") ?? {})) c.res.headers.set(k, v);
  });

  app.use(cors);
  app.route("/auth", authRoutes());
  app.route("/", proxyRoutes());

  app.onError((err, c) => {
    const requestId = c.get("requestId") ?? requestIdFrom(null);
    if (err instanceof GatewayError) {
      if (err.status >= 500) {
        log("error", "request.failed", { requestId, code: err.code, cause: errorKind(err.cause) });
      }
      return problemResponse(err, requestId, c.get("stickyHeaders"));
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
