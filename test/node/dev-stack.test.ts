// The one-stack-per-folder record (scripts/lib/dev-stack.mjs): exclusive claim, a live holder
// refused and left untouched, a stale record (dead pid) replaced, release removes only our own;
// a taken port seen and its owner named.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { claimDataDir, portIsFree, portTakenMessage, readRunningStack, recordPath, whoListens } from "../../scripts/lib/dev-stack.mjs";

const scratch = mkdtempSync(path.join(tmpdir(), "gateway-devstack-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("claimDataDir", () => {
  it("claims once; a second claim while the holder lives is refused and changes nothing; release frees it", () => {
    const dir = mkdtempSync(path.join(scratch, "a-"));
    const first = claimDataDir(dir, { port: 1234 });
    expect(first.ok).toBe(true);
    const before = readFileSync(recordPath(dir), "utf8");
    expect(JSON.parse(before)).toMatchObject({ pid: process.pid, port: 1234, state: "starting" });
    if (first.ok) {
      first.update({ state: "ready" });
      expect(JSON.parse(readFileSync(recordPath(dir), "utf8")).state).toBe("ready");
      first.release();
    }
    expect(existsSync(recordPath(dir))).toBe(false);
  });

  it("refuses while a live dev.mjs holds the folder, and leaves its record alone", async () => {
    const dir = mkdtempSync(path.join(scratch, "b-"));
    // A stand-in process whose command line names dev.mjs.
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "scripts/dev.mjs"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const record = JSON.stringify({ pid: holder.pid, state: "ready", port: 8787, url: "http://127.0.0.1:8787" });
      writeFileSync(recordPath(dir), record);
      expect(readRunningStack(dir)).toMatchObject({ pid: holder.pid });
      const second = claimDataDir(dir, { port: 9999 });
      expect(second.ok).toBe(false);
      if (!second.ok) expect(second.running.pid).toBe(holder.pid);
      expect(readFileSync(recordPath(dir), "utf8")).toBe(record);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  it("replaces a stale record (its pid is gone, or is not dev.mjs)", () => {
    const dir = mkdtempSync(path.join(scratch, "c-"));
    writeFileSync(recordPath(dir), JSON.stringify({ pid: 2 ** 22 + 12345, port: 8787 }));
    expect(readRunningStack(dir)).toBeUndefined();
    const claim = claimDataDir(dir, { port: 4321 });
    expect(claim.ok).toBe(true);
    expect(JSON.parse(readFileSync(recordPath(dir), "utf8"))).toMatchObject({ pid: process.pid, port: 4321 });
    if (claim.ok) claim.release();
  });

  it("release never removes a successor's record", () => {
    const dir = mkdtempSync(path.join(scratch, "d-"));
    const claim = claimDataDir(dir, {});
    writeFileSync(recordPath(dir), JSON.stringify({ pid: 1, port: 1 }));
    if (claim.ok) claim.release();
    expect(existsSync(recordPath(dir))).toBe(true);
  });
});

describe("port checks", () => {
  it("sees a taken port, names its owner, and suggests another port", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await portIsFree(port)).toBe(false);
      const owner = whoListens(port);
      expect(owner?.pid).toBe(process.pid);
      const message = portTakenMessage(port, owner);
      expect(message).toContain(`port ${port} on 127.0.0.1 is taken by pid ${process.pid}`);
      expect(message).toContain(`PORT=${port + 1} npm run dev`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await portIsFree(port)).toBe(true);
    expect(whoListens(port)).toBeUndefined();
  });
});
