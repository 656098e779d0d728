#!/usr/bin/env node
// `npm run example:fastapi`: the FastAPI example (examples/fastapi) under uvicorn, where the
// gateway of this folder sends proxied requests: on UPSTREAM_URL's port, with the gateway's
// UPSTREAM_SECRET and UPSTREAM_AUDIENCE (the environment, else .dev.vars, else the defaults;
// a missing secret is generated into .dev.vars exactly as `npm run dev` does, so either can
// start first). Refuses at once if that port is taken. Ctrl-C stops it.
import { spawn } from "node:child_process";
import path from "node:path";
import { ROOT, portIsFree, whoListens } from "./lib/dev-stack.mjs";
import { ensureDevVars } from "./lib/dev-vars.mjs";
import { PYTHON, detectMissing, PREREQUISITES, plan, detectPrivileges } from "./lib/prerequisites.mjs";

const fail = (msg) => {
  console.error(`[example:fastapi] ${msg}`);
  process.exit(1);
};

const devVarsFile = path.resolve(ROOT, process.env.DEV_VARS_FILE || ".dev.vars");
const { values } = ensureDevVars(devVarsFile);
const setting = (name, fallback) => process.env[name] || values[name] || fallback;
const upstreamUrl = setting("UPSTREAM_URL", "http://127.0.0.1:8000");

let url;
try {
  url = new URL(upstreamUrl);
} catch {
  fail(`UPSTREAM_URL is not a URL: ${upstreamUrl}`);
}
if (!["127.0.0.1", "localhost"].includes(url.hostname) || url.protocol !== "http:") {
  fail(`UPSTREAM_URL is ${upstreamUrl}: this command serves the example on http://127.0.0.1:<port> only.`);
}
const port = Number(url.port || 80);

const needed = PREREQUISITES.filter((p) => ["fastapi", "uvicorn", "websockets"].includes(p.check.python ?? ""));
const missing = detectMissing({ list: needed });
if (missing.length > 0) {
  const decision = plan({ missing: missing.map((p) => p.package), ...detectPrivileges() });
  const how = decision.action === "install" ? `run \`npm test\` once (it installs them), or: ${decision.commands.map((c) => c.join(" ")).join(" && ")}` : decision.message;
  fail(`${PYTHON} lacks ${missing.map((p) => p.package).join(", ")}: ${how}`);
}

if (!(await portIsFree(port))) {
  const owner = whoListens(port);
  fail(
    `port ${port} (UPSTREAM_URL=${upstreamUrl}) is taken by ${owner ? `pid ${owner.pid} (${owner.command.slice(0, 100)})` : "another process"}. ` +
      `Stop it, or give the gateway and the example another port together: put UPSTREAM_URL=http://127.0.0.1:${port + 1} ` +
      "in .dev.vars, then restart `npm run dev` and run this again.",
  );
}

console.log(`[example:fastapi] serving examples/fastapi on ${url.origin} (the gateway's UPSTREAM_URL) with its UPSTREAM_SECRET`);
const child = spawn(PYTHON, ["-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", String(port), "--timeout-keep-alive", "75"], {
  cwd: path.join(ROOT, "examples", "fastapi"),
  // Its own process group: a terminal's Ctrl-C reaches this script only, which passes it on
  // once (uvicorn given SIGINT twice aborts its shutdown with a traceback).
  detached: true,
  stdio: "inherit",
  env: {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1",
    UPSTREAM_SECRET: setting("UPSTREAM_SECRET", ""),
    UPSTREAM_AUDIENCE: setting("UPSTREAM_AUDIENCE", "upstream"),
    AUTH_MODE: setting("AUTH_MODE", "required"),
  },
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
process.on("exit", () => child.exitCode === null && child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
