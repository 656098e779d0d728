// `npm run dev` as a developer runs it, on a state folder of its own (DEV_DATA_DIR, with the
// embedded PostgreSQL, whose port is new on every start): a restart keeps a logout in force (the
// KV state is named by the database, not by its port), a second stack on the same folder and a
// taken PORT are refused at once without touching anything, the record other tools read
// (dev-stack.json) says where the stack is and is gone after Ctrl-C, and a missing upstream is
// called out once.
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../scripts/lib/ports.mjs";
import { call, ipAllocator, registerAndLogin, strongPassword, uniqueEmail } from "./helpers/client";
import { processTree, sleep, spawnGroup, stopGroup, type ProcInfo, type Spawned } from "./helpers/processes";
import { ROOT } from "./helpers/stack";

const ip = ipAllocator();
const READY = /\[dev\] gateway ready on (http:\/\/127\.0\.0\.1:\d+)/;
const UPSTREAM_WARNING = /nothing answers at UPSTREAM_URL/;

let tmp: string;
let dataDir: string;
let port: number;
let upstreamPort: number;
const started: Array<{ proc: Spawned; seen: ProcInfo[] }> = [];

function devEnv(overrides: Record<string, string> = {}): Record<string, string> {
  // Nothing inherited but PATH and HOME: no DATABASE_URL, no developer settings.
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    PORT: String(port),
    DEV_DATA_DIR: dataDir,
    DEV_VARS_FILE: path.join(tmp, ".dev.vars"),
    UPSTREAM_URL: `http://127.0.0.1:${upstreamPort}`,
    BCRYPT_COST: "4",
    ...overrides,
  };
}

function spawnDev(name: string, env: Record<string, string>): Spawned {
  const proc = spawnGroup(name, process.execPath, [path.join(ROOT, "scripts", "dev.mjs")], { cwd: ROOT, env });
  started.push({ proc, seen: [] });
  return proc;
}

async function startDev(name: string): Promise<Spawned> {
  const proc = spawnDev(name, devEnv());
  await Promise.race([
    proc.log.waitFor(READY),
    proc.exited.then(({ code }) => {
      throw new Error(`npm run dev exited (${code}) before it was ready:\n${proc.log.tail()}`);
    }),
    sleep(90_000).then(() => {
      throw new Error(`not ready within 90 s:\n${proc.log.tail()}`);
    }),
  ]);
  const entry = started.find((s) => s.proc === proc);
  if (entry) entry.seen = processTree(proc.pid);
  return proc;
}

async function ctrlC(proc: Spawned): Promise<void> {
  const entry = started.find((s) => s.proc === proc);
  const result = await stopGroup(proc, "SIGINT", { graceMs: 30_000, known: entry?.seen ?? [] });
  expect(result.forced, proc.log.tail()).toBe(false);
  expect(result.leftovers.map((p) => p.comm)).toEqual([]);
}

/** Runs a dev.mjs that must refuse to start; returns its log and how long it took. */
async function refused(name: string, env: Record<string, string>): Promise<{ code: number | null; log: string; ms: number }> {
  const t0 = Date.now();
  const proc = spawnDev(name, env);
  const exit = await Promise.race([proc.exited, sleep(20_000).then(() => undefined)]);
  if (!exit) {
    await stopGroup(proc, "SIGTERM", { graceMs: 5_000 });
    throw new Error(`${name} did not refuse within 20 s:\n${proc.log.tail()}`);
  }
  return { code: exit.code, log: proc.log.lines.join("\n"), ms: Date.now() - t0 };
}

const recordFile = () => path.join(dataDir, "dev-stack.json");
const exists = (p: string) => stat(p).then(() => true, () => false);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "gateway-e2e-devstack-"));
  // As root the embedded PostgreSQL runs as `postgres`, which must reach its data folder.
  await chmod(tmp, 0o755);
  dataDir = path.join(tmp, "data");
  port = await freePort();
  upstreamPort = await freePort(); // nothing listens there
});

afterAll(async () => {
  for (const { proc, seen } of started) if (!proc.hasExited()) await stopGroup(proc, "SIGINT", { graceMs: 30_000, known: seen });
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("npm run dev on a folder of its own", () => {
  it("keeps a logout in force across a restart, refuses a second stack and a taken port, cleans up", async () => {
    const first = await startDev("dev-1");

    // The record for other tools (npm run admin): this stack, its database, its state folder.
    const record = JSON.parse(await readFile(recordFile(), "utf8"));
    expect(record).toMatchObject({ pid: first.pid, state: "ready", port, url: `http://127.0.0.1:${port}` });
    expect(record.postgres).toMatchObject({ embedded: true, dataDir: path.join(dataDir, "postgres") });
    expect(record.databaseUrl).toContain(`:${record.postgres.port}/gateway`);
    expect(record.persistTo.startsWith(path.join(dataDir, "wrangler"))).toBe(true);
    // The secrets were generated into the vars file it was given, not the working folder's.
    expect(first.log.lines.some((l) => l.includes(`into ${path.join(tmp, ".dev.vars")}`))).toBe(true);

    const base = `http://127.0.0.1:${port}`;
    const email = uniqueEmail("restart");
    const password = strongPassword();
    const session = await registerAndLogin(base, email, password, ip(1));
    const bearer = { authorization: `Bearer ${session.access_token}`, "cf-connecting-ip": ip(1) };
    // Accepted at the edge, then no upstream: 502. Proves the token passes before the logout.
    expect((await call(base, "GET", "/api/me", { headers: bearer })).status).toBe(502);
    expect((await call(base, "POST", "/auth/logout", { headers: bearer })).status).toBe(204);
    expect((await call(base, "GET", "/api/me", { headers: bearer })).status).toBe(401);

    // A second stack on the same folder: refused at once, the first one's files untouched.
    const recordBefore = await readFile(recordFile(), "utf8");
    const envFileBefore = await readFile(path.join(dataDir, "dev.env"), "utf8");
    const second = await refused("dev-2", devEnv({ PORT: String(await freePort()) }));
    expect(second.code).toBe(1);
    expect(second.log).toContain("already runs");
    expect(second.log).toContain(`pid ${first.pid}`);
    expect(second.log).toContain(`kill -INT ${first.pid}`);
    expect(second.log).not.toMatch(/starting embedded PostgreSQL|gateway ready/);
    expect(await readFile(recordFile(), "utf8")).toBe(recordBefore);
    expect(await readFile(path.join(dataDir, "dev.env"), "utf8")).toBe(envFileBefore);

    // A taken PORT (another folder): refused before anything is started or written.
    const otherDir = path.join(tmp, "other");
    await mkdir(otherDir);
    const taken = await refused("dev-3", devEnv({ DEV_DATA_DIR: otherDir, DEV_VARS_FILE: path.join(otherDir, ".dev.vars") }));
    expect(taken.code).toBe(1);
    expect(taken.log).toContain(`port ${port} on 127.0.0.1 is taken`);
    expect(taken.log).toContain(`pid ${first.pid}`);
    expect(taken.log).toContain(`PORT=${port + 1} npm run dev`);
    expect(await readdir(otherDir)).toEqual([]);
    expect((await call(base, "GET", "/auth/health")).status).toBe(200);

    // Called out once that nothing answers at UPSTREAM_URL.
    expect(first.log.lines.filter((l) => UPSTREAM_WARNING.test(l))).toHaveLength(1);

    await ctrlC(first);
    expect(await exists(recordFile())).toBe(false);
    expect(await exists(path.join(dataDir, "dev.env"))).toBe(false);

    // Restart (the embedded PostgreSQL gets a new port): the logout still holds.
    const again = await startDev("dev-4");
    const record2 = JSON.parse(await readFile(recordFile(), "utf8"));
    expect(record2.persistTo).toBe(record.persistTo);
    expect((await call(base, "GET", "/api/me", { headers: bearer })).status).toBe(401);
    const login = await call(base, "POST", "/auth/login", {
      json: { email, password, transport: "bearer" },
      headers: { "cf-connecting-ip": ip(2) },
    });
    expect(login.status).toBe(200);
    expect(
      (await call(base, "GET", "/api/me", { headers: { authorization: `Bearer ${login.body.access_token}`, "cf-connecting-ip": ip(2) } }))
        .status,
    ).toBe(502);
    await ctrlC(again);
    expect(await exists(recordFile())).toBe(false);
    expect((await readdir(path.join(dataDir, "wrangler"))).length).toBe(1);
  });
});
