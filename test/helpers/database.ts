/**
 * Per-file isolation: each test file gets its own database, copied from the
 * migrated template the global setup made, reached through the same Neon
 * driver and bridge the gateway uses.
 */
import { env } from "cloudflare:workers";
import { Pool, neonConfig, type PoolClient } from "@neondatabase/serverless";

interface TestBindings {
  TEST_ADMIN_DATABASE_URL: string;
  TEST_TEMPLATE_DATABASE: string;
  DATABASE_WS_PROXY: string;
}

export const testBindings = env as unknown as Env & TestBindings;

function configure(): void {
  const base = testBindings.DATABASE_WS_PROXY.replace(/^ws:\/\//, "");
  neonConfig.wsProxy = (host, port) => `${base}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = "password";
}

function urlFor(name: string): string {
  const u = new URL(testBindings.TEST_ADMIN_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Runs SQL against `url` on a short-lived pool (test set-up and assertions). */
export async function query<T = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<T[]> {
  configure();
  const pool = new Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  try {
    const res = await pool.query(text, params);
    return res.rows as T[];
  } finally {
    await pool.end();
  }
}

/** Runs `work` on one connection of a short-lived pool (e.g. a transaction of several statements). */
export async function withClient<T>(url: string, work: (client: PoolClient) => Promise<T>): Promise<T> {
  configure();
  const pool = new Pool({ connectionString: url, max: 1 });
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** A fresh database migrated like production, for this test file alone. */
export async function freshDatabase(): Promise<string> {
  const name = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  await query(urlFor("postgres"), `CREATE DATABASE ${name} TEMPLATE ${testBindings.TEST_TEMPLATE_DATABASE}`);
  // Rate-limit and lockout state (Durable Objects) is shared by a test file's
  // gateways; distinct user ids keep one gateway's per-user keys from another's.
  const start = 1 + Math.floor(Math.random() * 1_000_000_000);
  await query(urlFor(name), `ALTER SEQUENCE users_id_seq RESTART WITH ${start}`);
  return urlFor(name);
}

/** An empty database (for migration tests). */
export async function emptyDatabase(): Promise<string> {
  const name = `e_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
  await query(urlFor("postgres"), `CREATE DATABASE ${name}`);
  return urlFor(name);
}
