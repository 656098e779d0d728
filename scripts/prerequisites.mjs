#!/usr/bin/env node
// `npm test`'s first step: makes sure the system has what the end-to-end and Python tests
// need (scripts/lib/prerequisites.mjs holds the list), installing missing Debian packages as
// root or through passwordless sudo, or stopping with the exact command to run.
//   node scripts/prerequisites.mjs            check, install if needed
//   node scripts/prerequisites.mjs --dry-run  print what it would do, change nothing
//   PREREQ_PRETEND_MISSING=chromium,...|all   treat those as missing (exercises the installer)
import { spawnSync } from "node:child_process";
import { detectMissing, detectPrivileges, plan } from "./lib/prerequisites.mjs";

const say = (msg) => console.log(`[prerequisites] ${msg}`);
const dryRun = process.argv.includes("--dry-run");

const missing = detectMissing();
if (missing.length === 0) {
  say("Chromium and the Python packages the tests need are present");
  process.exit(0);
}
for (const p of missing) say(`missing ${p.package}: ${p.why}`);
const decision = plan({ missing: missing.map((p) => p.package), ...detectPrivileges() });

if (decision.action === "stop") {
  console.error(`[prerequisites] ${decision.message}`);
  process.exit(dryRun ? 0 : 1);
}
for (const command of decision.commands) {
  say(`${dryRun ? "would run" : "running"}: ${command.join(" ")}`);
  if (dryRun) continue;
  const run = spawnSync(command[0], command.slice(1), {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (run.status !== 0) {
    console.error(`[prerequisites] \`${command.join(" ")}\` failed (exit ${run.status ?? run.signal}); nothing else was run.`);
    process.exit(1);
  }
}
if (dryRun) process.exit(0);

const still = detectMissing({ pretend: "" });
if (still.length > 0) {
  console.error(`[prerequisites] still missing after the install: ${still.map((p) => p.package).join(", ")}`);
  process.exit(1);
}
say(`installed ${missing.map((p) => p.package).join(", ")}`);
