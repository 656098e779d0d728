// Everything the benchmark starts, and how it is stopped again.
//
// - `Cleanup` is a stack of stop functions run in reverse order, once, on
//   success, on error and on SIGINT/SIGTERM/SIGHUP.
// - `startWrangler` spawns `wrangler dev` in its own process group (detached,
//   like `setsid`): stopping it means signalling the group, because killing
//   the wrangler node process alone leaves workerd running.
// - `startUpstream` spawns bench/upstream.mjs as a child process.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const WRANGLER_BIN = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");

/** The environment every wrangler we spawn gets: no telemetry, no cf fetch. */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    NO_D1_WARNING: "true",
    // No colour codes in the logs we parse.
    FORCE_COLOR: "0",
    ...extra,
  };
}

export class Cleanup {
  #stops = [];
  #running;
  /** Process groups still alive, killed synchronously if Node exits abruptly. */
  groups = new Set();

  add(name, stop) {
    const entry = { name, stop };
    this.#stops.push(entry);
    // The returned function stops this one item now (and only once).
    return async () => {
      const i = this.#stops.indexOf(entry);
      if (i === -1) return;
      this.#stops.splice(i, 1);
      await stop();
    };
  }

  /** Runs every stop function, newest first; errors are reported, never thrown. */
  runAll() {
    this.#running ??= (async () => {
      while (this.#stops.length > 0) {
        const { name, stop } = this.#stops.pop();
        try {
          await stop();
        } catch (err) {
          console.error(`[bench] stopping ${name} failed: ${err?.message ?? err}`);
        }
      }
    })();
    return this.#running;
  }

  /** Ctrl-C and friends: stop everything, then exit 130 (or 143). */
  installSignalHandlers(log, afterStop = () => {}) {
    let count = 0;
    const onSignal = (signal) => {
      count++;
      if (count > 1) {
        // A second Ctrl-C: kill what is left and leave now.
        this.killGroupsSync();
        process.exit(1);
      }
      log(`${signal}: stopping everything the benchmark started...`);
      this.runAll()
        .then(afterStop)
        .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    process.on("SIGHUP", onSignal);
    process.on("exit", () => this.killGroupsSync());
  }

  killGroupsSync() {
    for (const pid of this.groups) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    this.groups.clear();
  }
}

/** Resolves when `child` exits, or after `ms` (false then). */
function exited(child, ms) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts `wrangler dev` for one config and returns as soon as it is spawned.
 * `ready` resolves when wrangler prints "Ready on"; `stop()` ends its group.
 * All output goes to `logFile`.
 */
export function startWrangler({ cleanup, name, configPath, port, inspectorPort, envFile, persistTo, logFile, extraArgs = [] }) {
  const args = [
    WRANGLER_BIN,
    "dev",
    "--config",
    configPath,
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--env-file",
    envFile,
    "--persist-to",
    persistTo,
    "--show-interactive-dev-session=false",
    "--local",
    ...extraArgs,
  ];
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: wranglerEnv(),
  });
  cleanup.groups.add(child.pid);
  const log = createWriteStream(logFile);
  let readyAt;
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  let buffered = "";
  const watch = (chunk) => {
    log.write(chunk);
    if (readyAt !== undefined) return;
    buffered = (buffered + chunk.toString("utf8")).slice(-4096);
    if (/Ready on http/.test(buffered)) {
      readyAt = performance.now();
      onReady(readyAt);
    }
  };
  child.stdout.on("data", watch);
  child.stderr.on("data", watch);
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  const stop = cleanup.add(`wrangler dev (${name})`, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      if (!(await exited(child, 5000))) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
        await exited(child, 2000);
      }
    }
    // workerd may outlive wrangler's node process for a moment: make sure the group is gone.
    try {
      process.kill(-child.pid, "SIGKILL");
    } catch {
      /* the group is empty */
    }
    cleanup.groups.delete(child.pid);
    await new Promise((r) => log.end(r));
  });
  return { name, child, port, url: `http://127.0.0.1:${port}`, spawnedAt, ready, exit, logFile, stop };
}

/** Starts bench/upstream.mjs; resolves with its URL once it listens. */
export async function startUpstream({ cleanup }) {
  const child = spawn(process.execPath, [path.join(root, "bench", "upstream.mjs"), "0"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      const m = /listening (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the upstream exited (${code}) before listening`)));
  });
  const stop = cleanup.add("upstream", async () => {
    child.kill("SIGTERM");
    if (!(await exited(child, 3000))) child.kill("SIGKILL");
  });
  return { url: `http://127.0.0.1:${port}`, port, pid: child.pid, stop };
}
