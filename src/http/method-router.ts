/**
 * Answers what Hono's router does not: a known path called with a method it
 * does not take gets 405 with `Allow`; an unknown path gets 404 problem+json.
 */
import type { Context } from "hono";
import { GatewayError } from "../errors";
import type { AppEnv } from "./types";

export interface RouteShape {
  /** e.g. `/sessions/:id`, relative to the router's mount point. */
  path: string;
  methods: readonly string[];
}

function toRegExp(path: string): RegExp {
  const body = path.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z_]+/g, "[^/]+");
  return new RegExp(`^${body}/?$`);
}

export function fallbackHandler(routes: readonly RouteShape[], mount: string) {
  const compiled = routes.map((r) => ({ re: toRegExp(r.path), methods: r.methods }));
  return function notFoundOrWrongMethod(c: Context<AppEnv>): Response {
    const rel = c.req.path.slice(mount.length) || "/";
    const match = compiled.find((r) => r.re.test(rel));
    if (match) {
      const allow = [...match.methods, ...(match.methods.includes("GET") ? ["HEAD"] : []), "OPTIONS"];
      if (c.req.method === "OPTIONS") return c.body(null, 204, { allow: allow.join(", ") });
      throw new GatewayError("method_not_allowed", `${c.req.method} is not allowed here`, {
        headers: { allow: allow.join(", ") },
      });
    }
    throw new GatewayError("not_found", "No such endpoint");
  };
}
