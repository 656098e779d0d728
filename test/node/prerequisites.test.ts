// The test prerequisites helper (scripts/lib/prerequisites.mjs): its decision for every kind of
// machine, its detection (real imports and binaries, a pretend list), and its CLI's dry run.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PREREQUISITES, detectMissing, plan } from "../../scripts/lib/prerequisites.mjs";

const ROOT = path.resolve(import.meta.dirname, "../..");
const ALL = PREREQUISITES.map((p) => p.package);

describe("the prerequisite list", () => {
  it("names what the browser, FastAPI and JWKS tests need, each with a reason and a check", () => {
    expect(ALL).toEqual(
      expect.arrayContaining(["chromium", "python3-fastapi", "python3-uvicorn", "python3-websockets", "python3-jwt", "python3-cryptography"]),
    );
    for (const p of PREREQUISITES) {
      expect(p.why.length).toBeGreaterThan(10);
      expect(Boolean(p.check.binary) !== Boolean(p.check.python)).toBe(true);
    }
  });
});

describe("plan", () => {
  it("does nothing when nothing is missing, whoever runs it", () => {
    expect(plan({ missing: [], isRoot: false, hasSudo: false, hasApt: false })).toEqual({ action: "none", commands: [] });
  });

  it("as root: apt-get update once, then installs exactly the missing packages without recommends", () => {
    expect(plan({ missing: ["chromium", "python3-jwt"], isRoot: true, hasSudo: false, hasApt: true })).toEqual({
      action: "install",
      commands: [
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium", "python3-jwt"],
      ],
    });
  });

  it("with passwordless sudo: the same through sudo -n, non-interactive", () => {
    const out = plan({ missing: ["python3-uvicorn"], isRoot: false, hasSudo: true, hasApt: true });
    expect(out.action).toBe("install");
    expect(out.commands).toEqual([
      ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update"],
      ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends", "python3-uvicorn"],
    ]);
  });

  it("neither root nor sudo: stops with the exact command", () => {
    const out = plan({ missing: ["chromium", "python3-fastapi"], isRoot: false, hasSudo: false, hasApt: true });
    expect(out.action).toBe("stop");
    expect(out.commands).toEqual([]);
    expect(out.message).toContain("sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium python3-fastapi");
  });

  it("no apt-get (not Debian-like): stops, names the packages and what the tests need, even as root", () => {
    const out = plan({ missing: ["python3-websockets"], isRoot: true, hasSudo: false, hasApt: false });
    expect(out.action).toBe("stop");
    expect(out.message).toContain("no apt-get");
    expect(out.message).toContain("python3-websockets");
    expect(out.message).toContain("/usr/bin/chromium");
  });
});

describe("detectMissing", () => {
  it("finds nothing missing on this machine (npm test installed it all first)", () => {
    expect(detectMissing({ pretend: "" }).map((p) => p.package)).toEqual([]);
  });

  it("checks the imports under the interpreter the tests use: a missing interpreter misses every Python package", () => {
    const missing = detectMissing({ python: "/nonexistent/python3", pretend: "" }).map((p) => p.package);
    expect(missing).toEqual(PREREQUISITES.filter((p) => p.check.python).map((p) => p.package));
  });

  it("checks a module by importing it", () => {
    const list = [{ package: "python3-nonexistent", why: "a module nobody has", check: { python: "surely_not_a_module_xyz" } }];
    expect(detectMissing({ list, pretend: "" }).map((p) => p.package)).toEqual(["python3-nonexistent"]);
  });

  it("checks a binary by its executable path", () => {
    const list = [{ package: "nothing", why: "a binary nobody has", check: { binary: "/nonexistent/bin/x" } }];
    expect(detectMissing({ list, pretend: "" }).map((p) => p.package)).toEqual(["nothing"]);
  });

  it("treats the pretend list (or all) as missing", () => {
    expect(detectMissing({ pretend: "python3-jwt, chromium" }).map((p) => p.package)).toEqual(["chromium", "python3-jwt"]);
    expect(detectMissing({ pretend: "all" }).map((p) => p.package)).toEqual(ALL);
  });
});

describe("node scripts/prerequisites.mjs", () => {
  it("--dry-run prints what it would install and why, and runs nothing", () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, "scripts/prerequisites.mjs"), "--dry-run"], {
      encoding: "utf8",
      env: { ...process.env, PREREQ_PRETEND_MISSING: "python3-cryptography" },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("missing python3-cryptography: EdDSA");
    if (process.getuid?.() === 0) {
      expect(run.stdout).toContain("would run: apt-get update");
      expect(run.stdout).toContain("would run: apt-get install -y --no-install-recommends python3-cryptography");
    }
    expect(run.stdout).not.toContain("installed");
  });

  it("says so in one line when everything is present", () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, "scripts/prerequisites.mjs")], {
      encoding: "utf8",
      env: { ...process.env, PREREQ_PRETEND_MISSING: "" },
    });
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n")).toHaveLength(1);
  });
});
