// Finds the database a command-line tool should use: DATABASE_URL when set;
// otherwise the database of `npm run dev` in this folder, whether the stack is
// running or not. Running: the record the dev stack leaves (.data/dev-stack.json)
// or the live PostgreSQL on .data/postgres (its postmaster.pid names the port).
// Stopped: PostgreSQL is started on .data/postgres for the command and stopped after.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { DEV_DATABASE_NAME, devDataDir, embeddedPostgresDir, readRunningStack } from "./dev-stack.mjs";
import { freePort } from "./ports.mjs";
import { PG_PASSWORD, PG_USER, startEmbeddedPostgres } from "./postgres.mjs";

export const DEV_DATABASE = DEV_DATABASE_NAME;

async function reachable(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The database URL of the running stack's record (scripts/lib/dev-stack.mjs), if a stack runs. */
function recordedUrl(dataDir) {
  const url = readRunningStack(dataDir)?.databaseUrl;
  return typeof url === "string" && /^postgres(ql)?:\/\//.test(url) ? url : undefined;
}

/** The port of a PostgreSQL running on `pgDir` (postmaster.pid: pid, dir, start, port, ...). */
function runningPort(pgDir) {
  const file = path.join(pgDir, "postmaster.pid");
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, "utf8").split("\n");
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (err.code !== "EPERM") return undefined; // EPERM: alive, owned by the postgres user
  }
  return port;
}

const localUrl = (port) => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${DEV_DATABASE}`;

/**
 * Opens the database for a command: `{ url, source, close() }`. `close` stops
 * a PostgreSQL this function started, and nothing else.
 */
export async function openDevDatabase({ root, env = process.env, log = () => {} }) {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: "DATABASE_URL", close: async () => {} };
  const dataDir = env.DEV_DATA_DIR ? path.resolve(root, env.DEV_DATA_DIR) : devDataDir(env);
  const recorded = recordedUrl(dataDir);
  if (recorded && (await reachable(recorded))) {
    return { url: recorded, source: "the running npm run dev (dev-stack.json)", close: async () => {} };
  }
  const pgDir = embeddedPostgresDir(dataDir);
  const port = runningPort(pgDir);
  if (port !== undefined && (await reachable(localUrl(port)))) {
    return { url: localUrl(port), source: `the running npm run dev (PostgreSQL on port ${port})`, close: async () => {} };
  }
  if (!existsSync(path.join(pgDir, "PG_VERSION"))) {
    throw new Error(
      `no database: DATABASE_URL is not set and ${pgDir} holds no PostgreSQL (run \`npm run dev\` once to create it)`,
    );
  }
  log(`starting the dev PostgreSQL (${pgDir}) for this command`);
  const started = await startEmbeddedPostgres({ dir: pgDir, port: await freePort() });
  const url = localUrl(started.port);
  if (!(await reachable(url))) {
    await started.stop().catch(() => {});
    throw new Error(`the dev PostgreSQL in ${pgDir} has no "${DEV_DATABASE}" database (run \`npm run dev\` once)`);
  }
  return { url, source: "the stopped npm run dev's PostgreSQL (started for this command)", close: () => started.stop() };
}
