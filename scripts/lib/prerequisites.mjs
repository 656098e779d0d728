// What the test suites need from the system, in ONE place. `npm test` runs
// scripts/prerequisites.mjs first: it checks each entry the way the tests use it (the binary
// runs / the module imports under /usr/bin/python3, never a dpkg query) and installs the missing
// Debian packages, the way `playwright install --with-deps` does: as root directly, otherwise
// through passwordless sudo; elsewhere it stops, before any test runs, with the exact command.
//
// To add one: append { package, why, check } below ({ binary: "/abs/path" } or { python: "module" }).
// PREREQ_PRETEND_MISSING=pkg,pkg (or "all") treats packages as missing, to exercise the installer
// path on a machine that has them (apt-get then reinstalls nothing); `--dry-run` prints the plan only.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";

export const PYTHON = "/usr/bin/python3";

/** @type {Array<{ package: string, why: string, check: { binary?: string, python?: string } }>} */
export const PREREQUISITES = [
  { package: "chromium", why: "the browser end-to-end tests drive Debian's headless Chromium", check: { binary: "/usr/bin/chromium" } },
  { package: "python3-fastapi", why: "the FastAPI example app behind the gateway (e2e and Python tests)", check: { python: "fastapi" } },
  { package: "python3-uvicorn", why: "serves the FastAPI example in the end-to-end tests", check: { python: "uvicorn" } },
  { package: "python3-websockets", why: "uvicorn's WebSocket support (the proxied WebSocket tests)", check: { python: "websockets" } },
  { package: "python3-jwt", why: "the FastAPI example's JWKS verifier of the gateway's tokens", check: { python: "jwt" } },
  { package: "python3-cryptography", why: "EdDSA / ES256 signatures for that verifier", check: { python: "cryptography" } },
];

function parsePretend(value) {
  return new Set((value ?? "").split(",").map((s) => s.trim()).filter(Boolean));
}

/**
 * The prerequisites missing on this machine.
 *
 * @example
 * const missing = detectMissing(); // [] when everything is there
 */
export function detectMissing({ list = PREREQUISITES, python = PYTHON, pretend = process.env.PREREQ_PRETEND_MISSING } = {}) {
  const pretended = parsePretend(pretend);
  const modules = list.filter((p) => p.check.python).map((p) => p.check.python);
  const failedModules = new Set(modules);
  if (modules.length > 0) {
    const script = [
      "import importlib, sys",
      "for name in sys.argv[1:]:",
      "    try:",
      "        importlib.import_module(name)",
      "    except Exception:",
      "        print(name)",
    ].join("\n");
    const run = spawnSync(python, ["-c", script, ...modules], { encoding: "utf8", timeout: 60_000 });
    if (run.status === 0) {
      failedModules.clear();
      for (const line of run.stdout.split("\n")) if (line.trim()) failedModules.add(line.trim());
    }
  }
  return list.filter((p) => {
    if (pretended.has("all") || pretended.has(p.package)) return true;
    if (p.check.binary) {
      try {
        accessSync(p.check.binary, constants.X_OK);
        return false;
      } catch {
        return true;
      }
    }
    return failedModules.has(p.check.python);
  });
}

/** How the packages can be installed here: root, passwordless sudo, and whether apt-get exists. */
export function detectPrivileges() {
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  const hasSudo = !isRoot && spawnSync("sudo", ["-n", "true"], { stdio: "ignore", timeout: 10_000 }).status === 0;
  return { isRoot, hasSudo, hasApt };
}

/**
 * The decision: nothing to do, the commands to run, or stop with the command for the user.
 *
 * @example
 * plan({ missing: ["chromium"], isRoot: true, hasSudo: false, hasApt: true })
 * // { action: "install", commands: [["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]] }
 */
export function plan({ missing, isRoot, hasSudo, hasApt }) {
  if (missing.length === 0) return { action: "none", commands: [] };
  const install = ["apt-get", "install", "-y", "--no-install-recommends", ...missing];
  const userCommand = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  if (!hasApt) {
    return {
      action: "stop",
      commands: [],
      message:
        `these test prerequisites are missing and this system has no apt-get: ${missing.join(", ")}. ` +
        `On Debian or Ubuntu: ${userCommand}. Elsewhere install their equivalents so that ` +
        "/usr/bin/chromium runs and /usr/bin/python3 imports fastapi, uvicorn, websockets, jwt and cryptography.",
    };
  }
  if (isRoot) return { action: "install", commands: [["apt-get", "update"], install] };
  // sudo resets the environment: DEBIAN_FRONTEND goes through `env`.
  const sudo = ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"];
  if (hasSudo) return { action: "install", commands: [[...sudo, "apt-get", "update"], [...sudo, ...install]] };
  return {
    action: "stop",
    commands: [],
    message: `these test prerequisites are missing and installing them needs root: ${missing.join(", ")}. Run:\n  ${userCommand}\nthen npm test again.`,
  };
}
