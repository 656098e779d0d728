// One local stack per folder, and the record other tools read to find it.
//
// THE CONTRACT (read by `npm run admin` and anything else that needs the dev database):
//
//   <data dir>/dev-stack.json   (data dir: DEV_DATA_DIR, default <repo>/.data)
//   {
//     "pid":          the `node scripts/dev.mjs` process (alive while the stack runs),
//     "state":        "starting" | "ready",
//     "port":         the gateway's port, "url": "http://127.0.0.1:<port>",
//     "databaseUrl":  the gateway's database (null until PostgreSQL is up),
//     "postgres":     { "embedded": true, "dataDir": ".../postgres", "port": N, "adminUrl": "postgres://..." }
//                     or { "embedded": false } when DATABASE_URL was given,
//     "persistTo":    the folder holding local KV / Durable Object / Queue state,
//     "startedAt":    ISO time
//   }
//
// - Created (exclusively, `wx`) before anything is started, removed when the stack exits cleanly.
//   A record whose pid is gone (or is no longer dev.mjs) is stale: `readRunningStack` ignores it
//   and the next `npm run dev` replaces it.
// - When no stack runs, a tool may start the embedded PostgreSQL itself from `embeddedPostgresDir()`
//   (scripts/lib/postgres.mjs `startEmbeddedPostgres({ dir, port: await freePort() })`, database
//   `DEV_DATABASE_NAME`, the same superuser), and must stop it afterwards. PostgreSQL's own
//   postmaster.pid refuses a second server on that folder, so a stack started meanwhile fails
//   with PostgreSQL's "lock file already exists" rather than sharing it.
// - The files of a running stack belong to it: nothing else writes or removes them.
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const DEV_DATABASE_NAME = "gateway";
const RECORD = "dev-stack.json";

/** The folder of the local stack's state: DEV_DATA_DIR, or `.data` in the repository. */
export function devDataDir(env = process.env) {
  return path.resolve(ROOT, env.DEV_DATA_DIR || ".data");
}

/** The embedded PostgreSQL's data folder (stable: the same on every start). */
export function embeddedPostgresDir(dataDir = devDataDir()) {
  return path.join(dataDir, "postgres");
}

export function recordPath(dataDir) {
  return path.join(dataDir, RECORD);
}

/** The command line of `pid`, or undefined if no such process (Linux /proc). */
export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    try {
      process.kill(pid, 0);
      return "";
    } catch (err) {
      return err.code === "EPERM" ? "" : undefined;
    }
  }
}

function isDevStackProcess(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const cmd = commandLine(pid);
  return cmd !== undefined && (cmd === "" || cmd.includes("dev.mjs"));
}

/** The record of the stack running on `dataDir`, or undefined when none runs (stale records ignored). */
export function readRunningStack(dataDir = devDataDir()) {
  let record;
  try {
    record = JSON.parse(readFileSync(recordPath(dataDir), "utf8"));
  } catch {
    return undefined;
  }
  return isDevStackProcess(record?.pid) ? record : undefined;
}

/**
 * Claims `dataDir` for this process: writes the record exclusively. Returns
 * `{ ok: true, update, release }`, or `{ ok: false, running }` when another live
 * stack holds it (its record is left untouched).
 */
export function claimDataDir(dataDir, info) {
  const file = recordPath(dataDir);
  let record = { pid: process.pid, state: "starting", ...info, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, JSON.stringify(record, null, 2) + "\n");
      closeSync(fd);
      const update = (fields) => {
        record = { ...record, ...fields };
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
        renameSync(tmp, file);
      };
      const release = () => {
        // Only our own record: never a successor's.
        const current = (() => {
          try {
            return JSON.parse(readFileSync(file, "utf8"));
          } catch {
            return undefined;
          }
        })();
        if (current?.pid === process.pid) rmSync(file, { force: true });
      };
      return { ok: true, update, release };
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      const running = readRunningStack(dataDir);
      if (running) return { ok: false, running };
      // Stale (the stack was killed): take its place once.
      rmSync(file, { force: true });
    }
  }
  const running = readRunningStack(dataDir);
  return { ok: false, running: running ?? { pid: undefined } };
}

/** Resolves true when 127.0.0.1:`port` can be bound right now (nothing listens there). */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ port, host: "127.0.0.1", exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The process listening on TCP `port` (Linux: /proc/net/tcp{,6} and /proc/<pid>/fd), if visible. */
export function whoListens(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const localPort = cols[1]?.split(":")[1];
      if (localPort === hexPort && cols[3] === "0A") inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids = [];
  try {
    pids = readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m && inodes.has(m[1])) return { pid: Number(pid), command: commandLine(Number(pid)) ?? "" };
      } catch {
        /* the fd closed meanwhile */
      }
    }
  }
  return undefined;
}

/** The message for a folder already served by a running stack. */
export function alreadyRunningMessage(dataDir, running) {
  const where = shownPath(dataDir);
  return [
    `another \`npm run dev\` already runs on this folder's state (${where}): pid ${running.pid}` +
      (running.url ? `, serving ${running.url}` : "") +
      ".",
    `  Stop it with Ctrl-C in its terminal (or \`kill -INT ${running.pid}\`), or use that one.`,
    "  One stack per folder: its PostgreSQL, KV and Durable Object state are not shared.",
  ].join("\n");
}

/** The `dev.mjs` among `pid` and its ancestors (a port held by a stack's workerd), if any. */
export function devStackAncestor(pid) {
  for (let current = pid, depth = 0; current > 1 && depth < 6; depth++) {
    const cmd = commandLine(current);
    if (cmd?.includes("scripts/dev.mjs")) {
      let folder = "";
      try {
        folder = readlinkSync(`/proc/${current}/cwd`);
      } catch {
        /* not ours to read */
      }
      return { pid: current, folder };
    }
    try {
      const stat = readFileSync(`/proc/${current}/stat`, "utf8");
      current = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A path as the user typed it: relative when under the working folder, absolute otherwise. */
export function shownPath(p) {
  const rel = path.relative(process.cwd(), p);
  return rel === "" ? "." : rel.startsWith("..") ? p : rel;
}

/** The message for a taken gateway port. */
export function portTakenMessage(port, owner) {
  const stack = owner ? devStackAncestor(owner.pid) : undefined;
  const who = stack
    ? `the \`npm run dev\` of ${stack.folder || "another folder"} (pid ${stack.pid}; stop it with Ctrl-C there or \`kill -INT ${stack.pid}\`)`
    : owner
      ? `pid ${owner.pid} (${owner.command.slice(0, 120) || "unknown command"})`
      : "another process";
  return [
    `port ${port} on 127.0.0.1 is taken by ${who}; nothing was started.`,
    `  Stop that process, or pick another port: PORT=${port + 1} npm run dev`,
  ].join("\n");
}


/**
 * A stable name for a database's local KV / Durable Object / Queue state: its cluster's system
 * identifier (set once by initdb) and the database's oid, never the URL (the embedded
 * PostgreSQL's port is new on every start). A recreated database or cluster gets a new name,
 * so user ids in rate-limit and revocation keys never meet another database's users.
 */
export async function databaseStateKey(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const db = await client.query("SELECT oid::text AS oid, current_database() AS name FROM pg_database WHERE datname = current_database()");
    let system = "";
    try {
      system = (await client.query("SELECT system_identifier::text AS id FROM pg_control_system()")).rows[0]?.id ?? "";
    } catch {
      // Not allowed for this role: the server's address (without the port's randomness
      // only when it is a fixed server, which is the case whenever DATABASE_URL is given).
      const u = new URL(databaseUrl);
      system = `${u.hostname}:${u.port || "5432"}`;
    }
    const { oid, name } = db.rows[0];
    return createHash("sha256").update(`${system}/${oid}/${name}`).digest("hex").slice(0, 16);
  } finally {
    await client.end();
  }
}
