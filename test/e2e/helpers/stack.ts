// The whole local stack, as a user runs it: the FastAPI example under uvicorn
// and the real gateway through `npm run dev` (node scripts/dev.mjs: WS bridge
// and wrangler dev / workerd), on a fresh database of the e2e Postgres server.
// Everything binds to 127.0.0.1; stop() stops it all and proves it did.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { ensureDatabase, migrate, withDatabase } from "../../../scripts/lib/migrate.mjs";
import { freePort, waitForPort } from "../../../scripts/lib/ports.mjs";
import {
  portIsClosed,
  processTree,
  sleep,
  spawnGroup,
  stopGroup,
  type ProcInfo,
  type Spawned,
  type StopResult,
} from "./processes";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const FASTAPI_DIR = path.join(ROOT, "examples", "fastapi");
const READY_TIMEOUT_MS = 90_000;

export const hex64 = () => randomBytes(32).toString("hex");

export interface StackOptions {
  /** Admin URL of the Postgres server (inject("e2eAdminDatabaseUrl")). */
  adminDatabaseUrl: string;
  /** Short label, used in the database name. */
  name: string;
  /** Gateway configuration overrides (win over the defaults below). */
  env?: Record<string, string>;
  /**
   * Deliver mail and account events to the FastAPI example's webhook routes
   * (MAIL_TRANSPORT=webhook, EVENTS_WEBHOOK_URL), with fresh shared secrets.
   */
  webhooks?: boolean;
  /** The gateway's UPSTREAM_URL, given FastAPI's address (default: FastAPI itself). */
  upstreamUrl?: (fastapiUrl: string) => string | Promise<string>;
  /** Extra environment for the FastAPI app, given the gateway's address (e.g. UPSTREAM_JWKS_URL). */
  fastapiEnv?: (gatewayUrl: string) => Record<string, string>;
  /** PUBLIC_URL's host (default 127.0.0.1); WebAuthn needs a name such as `localhost`. */
  publicHost?: string;
}

export interface FastApiRequest {
  method: string;
  path: string;
  status: number;
}

export interface StackStopReport {
  gateway: StopResult;
  fastapi: StopResult;
  gatewayPortClosed: boolean;
  fastapiPortClosed: boolean;
  /** Names of the gateway's processes (dev.mjs, wrangler, workerd, ...) seen while it ran. */
  gatewayProcesses: string[];
}

export interface Stack {
  gatewayUrl: string;
  fastapiUrl: string;
  gatewayPort: number;
  fastapiPort: number;
  databaseUrl: string;
  upstreamSecret: string;
  upstreamAudience: string;
  gateway: Spawned;
  fastapi: Spawned;
  /** Requests FastAPI answered, from uvicorn's access log (HTTP and WebSocket). */
  fastapiRequests(): FastApiRequest[];
  /** Waits until every request FastAPI answered so far is in the parsed log (a sentinel request is logged last). */
  settleFastapiLog(): Promise<void>;
  /** The gateway's process tree right now (dev.mjs and its descendants). */
  gatewayTree(): ProcInfo[];
  /** Stops everything; throws if anything was left behind. Idempotent. */
  stop(): Promise<StackStopReport>;
}

/** Parses uvicorn access-log lines: `"GET /api/me HTTP/1.1" 200`, `"WebSocket /ws/echo" [accepted]` (or `403`). */
export function parseAccessLog(lines: string[]): FastApiRequest[] {
  const out: FastApiRequest[] = [];
  for (const line of lines) {
    const http = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3})/.exec(line);
    if (http) {
      out.push({ method: http[1] as string, path: http[2] as string, status: Number(http[3]) });
      continue;
    }
    const ws = /"WebSocket (\S+)" (\[accepted\]|\d{3})/.exec(line);
    if (ws) out.push({ method: "WEBSOCKET", path: ws[1] as string, status: ws[2] === "[accepted]" ? 101 : Number(ws[2]) });
  }
  return out;
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/**
 * Each stack keeps its KV and Durable Object state in a temporary folder of its own (DEV_DATA_DIR),
 * named by the database's identity; before that, dev.mjs persisted it in .data/wrangler, and some of
 * that state is keyed by user id (the refresh limiter `refresh:<id>`, revoke-before markers).
 * A fresh database numbers users from 1 again, so its user 1 would inherit the counters of every
 * earlier user 1 (earlier runs, the developer's own stack). Migrating first (dev.mjs then finds
 * the schema up to date) and starting the ids at a random large value keeps runs apart; it also
 * exercises ids far beyond 32 bits.
 */
async function isolateUserIds(databaseUrl: string): Promise<void> {
  await migrate(databaseUrl);
  const start = 1_000_000_000 + (randomBytes(5).readUIntBE(0, 5) % 1_000_000_000_000);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), $1::bigint, false)`, [start]);
  } finally {
    await client.end();
  }
}

async function startFastApi(secret: string, audience: string, extraEnv: Record<string, string> = {}): Promise<{ proc: Spawned; port: number; url: string }> {
  const port = await freePort();
  const proc = spawnGroup(
    "fastapi",
    "/usr/bin/python3",
    ["-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", String(port), "--timeout-keep-alive", "75"],
    {
      cwd: FASTAPI_DIR,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        LANG: "C.UTF-8",
        PYTHONUNBUFFERED: "1",
        PYTHONDONTWRITEBYTECODE: "1",
        UPSTREAM_SECRET: secret,
        UPSTREAM_AUDIENCE: audience,
        ...extraEnv,
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([
      waitForPort(port, 30_000),
      proc.exited.then(({ code }) => {
        throw new Error(`uvicorn exited (${code}) before listening:\n${proc.log.tail()}`);
      }),
    ]);
    const res = await fetch(`${url}/health`);
    if (res.status !== 200) throw new Error(`FastAPI /health answered ${res.status}`);
  } catch (err) {
    await stopGroup(proc, "SIGTERM", { graceMs: 5_000 });
    throw err;
  }
  return { proc, port, url };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const upstreamSecret = hex64();
  const upstreamAudience = options.env?.UPSTREAM_AUDIENCE ?? "upstream";
  const webhookSecrets = { MAIL_WEBHOOK_SECRET: hex64(), EVENTS_WEBHOOK_SECRET: hex64() };
  const dbName = `e2e_${options.name.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${process.pid}_${Date.now().toString(36)}`;
  await ensureDatabase(options.adminDatabaseUrl, dbName);
  const databaseUrl = withDatabase(options.adminDatabaseUrl, dbName);
  await isolateUserIds(databaseUrl);

  const gatewayPort = await freePort();
  // The stack's own state folder and vars file: never the working folder's .data/ or .dev.vars.
  const stateDir = await mkdtemp(path.join(tmpdir(), "gateway-e2e-dev-"));
  let fastapi: Awaited<ReturnType<typeof startFastApi>>;
  try {
    fastapi = await startFastApi(upstreamSecret, upstreamAudience, {
      ...webhookSecrets,
      ...options.fastapiEnv?.(`http://127.0.0.1:${gatewayPort}`),
    });
  } catch (err) {
    await dropDatabase(options.adminDatabaseUrl, dbName).catch(() => {});
    throw err;
  }
  let gatewayProc: Spawned | undefined;
  const seen: ProcInfo[] = [];
  let stopped: Promise<StackStopReport> | undefined;

  const stopAll = async (): Promise<StackStopReport> => {
    const empty: StopResult = { exit: { code: null, signal: null }, forced: false, aliveAtLeaderExit: [], leftovers: [] };
    let gateway = empty;
    let gatewayPortClosed = true;
    if (gatewayProc) {
      for (const p of processTree(gatewayProc.pid)) if (!seen.some((s) => s.pid === p.pid)) seen.push(p);
      // Ctrl-C: the terminal signals the foreground process group, i.e. dev.mjs's.
      gateway = await stopGroup(gatewayProc, "SIGINT", { graceMs: 30_000, known: seen });
      gatewayPortClosed = await portIsClosed(gatewayPort);
    }
    const fastapiResult = await stopGroup(fastapi.proc, "SIGTERM", { graceMs: 10_000 });
    const fastapiPortClosed = await portIsClosed(fastapi.port);
    await dropDatabase(options.adminDatabaseUrl, dbName).catch(() => {});
    await rm(stateDir, { recursive: true, force: true }).catch(() => {});
    const report: StackStopReport = {
      gateway,
      fastapi: fastapiResult,
      gatewayPortClosed,
      fastapiPortClosed,
      gatewayProcesses: [...new Set(seen.map((p) => p.comm))],
    };
    const problems: string[] = [];
    if (gateway.forced) problems.push("dev.mjs did not exit on SIGINT within 30 s");
    if (gateway.leftovers.length) problems.push(`gateway processes left behind: ${gateway.leftovers.map((p) => `${p.pid} ${p.comm}`).join(", ")}`);
    if (!gatewayPortClosed) problems.push(`gateway port ${gatewayPort} still open`);
    if (fastapiResult.leftovers.length) problems.push(`uvicorn processes left behind: ${fastapiResult.leftovers.map((p) => p.pid).join(", ")}`);
    if (!fastapiPortClosed) problems.push(`FastAPI port ${fastapi.port} still open`);
    if (problems.length) {
      const err = new Error(`stack did not stop cleanly: ${problems.join("; ")}\n--- gateway log ---\n${gatewayProc?.log.tail(40) ?? ""}`);
      (err as Error & { report?: StackStopReport }).report = report;
      throw err;
    }
    return report;
  };

  try {
    const upstreamUrl = options.upstreamUrl ? await options.upstreamUrl(fastapi.url) : fastapi.url;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PORT: String(gatewayPort),
      DEV_DATA_DIR: path.join(stateDir, "data"),
      DEV_VARS_FILE: path.join(stateDir, ".dev.vars"),
      DATABASE_URL: databaseUrl,
      UPSTREAM_URL: upstreamUrl,
      UPSTREAM_SECRET: upstreamSecret,
      UPSTREAM_AUDIENCE: upstreamAudience,
      JWT_SECRET: hex64(),
      PASSWORD_PEPPER: hex64(),
      BCRYPT_COST: "4",
      PUBLIC_PATHS: "/health,/webhooks/twilio/**",
      // Pinned, so that a developer's .dev.vars cannot change what the tests see.
      AUTH_MODE: "required",
      REQUIRE_EMAIL_VERIFICATION: "false",
      FORWARD_AUTHORIZATION: "false",
      MAIL_TRANSPORT: "log",
      ...(options.webhooks
        ? {
            MAIL_TRANSPORT: "webhook",
            MAIL_WEBHOOK_URL: `${fastapi.url}/webhooks/gateway/mail`,
            EVENTS_WEBHOOK_URL: `${fastapi.url}/webhooks/gateway/events`,
            ...webhookSecrets,
          }
        : {}),
      ...(options.publicHost ? { PUBLIC_URL: `http://${options.publicHost}:${gatewayPort}` } : {}),
      ...options.env,
    };
    delete env.PG_PORT;
    gatewayProc = spawnGroup("gateway", process.execPath, [path.join(ROOT, "scripts", "dev.mjs")], { cwd: ROOT, env });
    const proc = gatewayProc;
    const ready = await Promise.race([
      proc.log.waitFor(/\[dev\] gateway ready on (http:\/\/127\.0\.0\.1:\d+)/),
      proc.exited.then(({ code, signal }) => {
        throw new Error(`npm run dev exited (${code ?? signal}) before the gateway was ready:\n${proc.log.tail()}`);
      }),
      sleep(READY_TIMEOUT_MS).then(() => {
        throw new Error(`the gateway was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${proc.log.tail()}`);
      }),
    ]);
    const gatewayUrl = ready[1] as string;
    if (gatewayUrl !== `http://127.0.0.1:${gatewayPort}`) throw new Error(`gateway announced ${gatewayUrl}, expected port ${gatewayPort}`);
    seen.push(...processTree(proc.pid));

    return {
      gatewayUrl,
      fastapiUrl: fastapi.url,
      gatewayPort,
      fastapiPort: fastapi.port,
      databaseUrl,
      upstreamSecret,
      upstreamAudience,
      gateway: proc,
      fastapi: fastapi.proc,
      fastapiRequests: () => parseAccessLog(fastapi.proc.log.lines),
      settleFastapiLog: async () => {
        const id = randomBytes(6).toString("hex");
        await fetch(`${fastapi.url}/health?sentinel=${id}`);
        await Promise.race([
          fastapi.proc.log.waitFor(new RegExp(`sentinel=${id}`)),
          sleep(5_000).then(() => {
            throw new Error("uvicorn's access log did not show the sentinel request");
          }),
        ]);
      },
      gatewayTree: () => processTree(proc.pid),
      stop: () => (stopped ??= stopAll()),
    };
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}
