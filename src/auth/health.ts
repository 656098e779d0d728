/** `GET /auth/health`: database and KV checks; 503 naming the failing one. */
import { sql } from "drizzle-orm";
import type { Context } from "hono";
import { ipRateKey } from "../http/client-ip";
import type { AppEnv } from "../http/types";
import { clientInfo } from "./client-info";
import { enforceRateLimits } from "./rate-limit";

type Check = "ok" | "failing";

async function probe(work: () => Promise<unknown>, timeoutMs: number): Promise<Check> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve("failing"), timeoutMs);
  });
  const result = work().then(
    () => "ok" as const,
    () => "failing" as const,
  );
  try {
    return await Promise.race([result, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export async function healthHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  // Each check opens a database connection: limited per IP like every other /auth endpoint.
  await enforceRateLimits(c, [{ key: `health-ip:${ipRateKey(clientInfo(c).ip ?? "")}`, policy: deps.config.rateLimits.healthIp }]);
  const [database, kv] = await Promise.all([
    probe(() => deps.db().execute(sql`select 1`), 3000),
    probe(() => deps.revocations.ping(), 3000),
  ]);
  const checks = { database, kv };
  const ok = database === "ok" && kv === "ok";
  if (ok) {
    return c.json({ status: "ok", checks }, 200, { "cache-control": "no-store" });
  }
  const failing = Object.entries(checks)
    .filter(([, v]) => v !== "ok")
    .map(([k]) => k);
  return c.json(
    {
      type: "urn:tdah-gateway:problem:service_unavailable",
      title: "Service unavailable",
      status: 503,
      detail: `Failing checks: ${failing.join(", ")}`,
      code: "service_unavailable",
      status_text: "degraded",
      checks,
    },
    503,
    { "content-type": "application/problem+json", "cache-control": "no-store" },
  );
}
