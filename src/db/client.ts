/**
 * Postgres for the Worker: a `@neondatabase/serverless` WebSocket Pool per
 * request, wrapped in drizzle. Against Neon it speaks wss:// to Neon's proxy;
 * in development and tests `wsProxy` names the local WebSocket-to-TCP bridge.
 *
 * @example
 * const handle = openDatabase({ url, wsProxy, pipelineConnect: true });
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
  /** Fail a query after this long (ms) instead of hanging. */
  timeoutMs?: number;
  /** Fail a connection attempt after this long (ms); defaults to timeoutMs. */
  connectTimeoutMs?: number;
  /** Pipeline start-up and the first query (default true, as Neon). */
  pipelineConnect?: boolean;
}

/**
 * The driver's settings are module-wide; they are set on every open (plain
 * assignments) so that the last request's settings are the ones in force.
 *
 * Start-up is pipelined as against Neon (`pipelineConnect: "password"`): the
 * start-up message, the cleartext password and the first query leave in one
 * flight, so the first query costs one round trip, locally as in production.
 * The server must ask for cleartext password authentication (Neon does; so
 * does the embedded PostgreSQL of `npm run dev`); a server that insists on
 * SCRAM needs DATABASE_PIPELINE_CONNECT=off.
 */
function configureNeon(wsProxy: string | undefined, pipeline: boolean): void {
  neonConfig.pipelineConnect = pipeline ? "password" : false;
  if (wsProxy) {
    const base = wsProxy.replace(/^wss?:\/\//, "").replace(/\/+$/, "");
    neonConfig.wsProxy = (host, port) => `${base}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = wsProxy.startsWith("wss://");
    neonConfig.pipelineTLS = false;
  } else {
    neonConfig.wsProxy = (host) => `${host}/v2`;
    neonConfig.useSecureWebSocket = true;
  }
}

/** Opens a lazily-connecting pool; nothing touches the network until a query. */
export function openDatabase(options: DatabaseOptions): DatabaseHandle {
  configureNeon(options.wsProxy, options.pipelineConnect ?? true);
  const timeout = options.timeoutMs ?? 5000;
  const pool = new Pool({
    connectionString: options.url,
    max: 2,
    connectionTimeoutMillis: options.connectTimeoutMs ?? timeout,
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
