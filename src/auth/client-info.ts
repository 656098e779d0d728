import type { Context } from "hono";
import { clientIp } from "../http/client-ip";
import type { AppEnv } from "../http/types";
import type { ClientInfo } from "./sessions";

/** The caller's IP (see client-ip.ts) and user agent, for sessions and the audit log. */
export function clientInfo(c: Context<AppEnv>): ClientInfo {
  return { ip: clientIp(c.req.raw.headers), userAgent: c.req.header("user-agent")?.slice(0, 512) ?? null };
}
