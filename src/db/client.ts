/**
 * Postgres for the Worker: a `@neondatabase/serverless` WebSocket Pool per
 * request, wrapped in drizzle. Against Neon it speaks wss:// to Neon's proxy;
 * in development and tests `wsProxy` names the local WebSocket-to-TCP bridge.
 *
 * @example
 * const handle = openDatabase({ url, wsProxy });
 * const rows = await handle.db.select().from(users);
 * ctx.waitUntil(handle.close());
 */
import { Pool, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonDatabase } from "drizzle-orm/neon-serverless";
import * as schema from "./schema";

export type Database = NeonDatabase<typeof schema>;

export interface DatabaseHandle {
  db: Database;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  /** `ws://127.0.0.1:5488`: the local bridge. Unset in production (Neon). */
  wsProxy?: string;
  /** Fail a connection attempt, or a query, after this long (ms) instead of hanging. */
  timeoutMs?: number;
}

let configuredProxy: string | undefined | null = null;

function configureNeon(wsProxy: string | undefined): void {
  if (configuredProxy === wsProxy) return;
  configuredProxy = wsProxy;
  if (wsProxy) {
    const base = wsProxy.replace(/^wss?:\/\//, "").replace(/\/+$/, "");
    neonConfig.wsProxy = (host, port) => `${base}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = wsProxy.startsWith("wss://");
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  } else {
    neonConfig.useSecureWebSocket = true;
    neonConfig.pipelineConnect = "password";
  }
}

/** Opens a lazily-connecting pool; nothing touches the network until a query. */
export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  configureNeon(options.wsProxy);
  const timeout = options.timeoutMs ?? 5000;
  const pool = new Pool({
    connectionString: options.url,
    max: 2,
    connectionTimeoutMillis: timeout,
    // Client-side: a stalled server or network fails the query (503), never hangs the request.
    query_timeout: timeout,
  });
  // An idle client dying (the server going away) must not crash the isolate.
  pool.on("error", () => {});
  const db = drizzle(pool, { schema });
  let closed: Promise<void> | undefined;
  return {
    db,
    close() {
      closed ??= pool.end().catch(() => {});
      return closed;
    },
  };
}
