// `npm run admin` (scripts/admin.mjs) against real PostgreSQL: through
// DATABASE_URL, and through the dev stack's own data dir, both with its
// PostgreSQL running and stopped (then the command starts and stops it).
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ensureDatabase, migrate, withDatabase } from "../../scripts/lib/migrate.mjs";
import { freePort } from "../../scripts/lib/ports.mjs";
import { startEmbeddedPostgres } from "../../scripts/lib/postgres.mjs";
import { sql } from "./helpers/sql";

const exec = promisify(execFile);
const adminUrl = inject("e2eAdminDatabaseUrl");
const SCRIPT = path.resolve("scripts/admin.mjs");

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string | undefined>): Promise<Outcome> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "DATABASE_URL" && k !== "DEV_DATA_DIR"));
  try {
    const { stdout, stderr } = await exec(process.execPath, [SCRIPT, ...args], { env: { ...base, ...env }, timeout: 60000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function seed(url: string): Promise<void> {
  await sql(url, "INSERT INTO users (email, full_name, roles) VALUES ('ada@example.com', 'Ada', ARRAY['user']), ('bob@example.com', 'Bob', ARRAY['user','admin'])");
}

const rolesOf = async (url: string, email: string) =>
  (await sql<{ roles: string[] }>(url, "SELECT roles FROM users WHERE email = $1", [email]))[0]?.roles;

const idOf = async (url: string, email: string) =>
  (await sql<{ id: string }>(url, "SELECT id::text AS id FROM users WHERE email = $1", [email]))[0]?.id;

/** The account events the CLI left for the Worker's drain (migrations/0007_event_outbox.sql), oldest first. */
const outboxOf = (url: string) =>
  sql<{ type: string; data: Record<string, unknown>; message_id: string }>(url, "SELECT type, data, message_id FROM event_outbox ORDER BY id");

describe("npm run admin with DATABASE_URL", () => {
  let url: string;
  beforeAll(async () => {
    const name = `cli_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await ensureDatabase(adminUrl, name);
    url = withDatabase(adminUrl, name);
    await migrate(url);
    await seed(url);
  });

  it("grants a role, says what changed, and records it", async () => {
    const out = await cli(["grant", " ADA@Example.com ", "admin"], { DATABASE_URL: url });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("granted admin to ada@example.com");
    expect(out.stdout).toContain("roles now user, admin");
    expect(out.stdout).toContain("next login or refresh");
    expect(await rolesOf(url, "ada@example.com")).toEqual(["user", "admin"]);
    const [event] = await sql<{ event_type: string; actor_id: string | null; detail: Record<string, unknown> }>(
      url,
      "SELECT event_type, actor_id, detail FROM auth_events WHERE event_type = 'admin_cli_role_granted'",
    );
    expect(event).toMatchObject({ actor_id: null, detail: { role: "admin", via: "cli" } });
    // user.roles_changed with the admin API's payload, for the Worker to send (README "Account events").
    const ada = await idOf(url, "ada@example.com");
    const outbox = await outboxOf(url);
    expect(outbox.map(({ type, data }) => ({ type, data }))).toEqual([{ type: "user.roles_changed", data: { user_id: ada, roles: ["user", "admin"] } }]);
    expect(outbox[0]?.message_id).toMatch(/^msg_[0-9a-f]{32}$/);
    const again = await cli(["grant", "ada@example.com", "admin"], { DATABASE_URL: url });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already has the role admin: nothing changed");
    expect(await outboxOf(url)).toHaveLength(1);
  });

  it("lists and revokes", async () => {
    const listed = await cli(["list", "admin"], { DATABASE_URL: url });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("bob@example.com");
    const out = await cli(["revoke", "bob@example.com", "admin"], { DATABASE_URL: url });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("revoked admin from bob@example.com");
    expect(await rolesOf(url, "bob@example.com")).toEqual(["user"]);
    const bob = await idOf(url, "bob@example.com");
    expect((await outboxOf(url)).at(-1)).toMatchObject({ type: "user.roles_changed", data: { user_id: bob, roles: ["user"] } });
    const none = await cli(["list", "auditor"], { DATABASE_URL: url });
    expect(none.stdout).toContain("no user holds the role auditor");
    expect((await cli(["revoke", "bob@example.com", "admin"], { DATABASE_URL: url })).stdout).toContain("does not have the role admin");
  });

  it("exits non-zero on an unknown email, a bad role or bad usage, changing nothing", async () => {
    const unknown = await cli(["grant", "nobody@example.com", "admin"], { DATABASE_URL: url });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no user with the email nobody@example.com");
    for (const role of ["Admin", "1admin", "a b", "", "x".repeat(33)]) {
      const bad = await cli(["grant", "ada@example.com", role], { DATABASE_URL: url });
      expect(bad.code, role).toBe(2);
      expect(bad.stderr).toContain("bad role name");
    }
    expect((await cli(["promote", "ada@example.com"], { DATABASE_URL: url })).code).toBe(2);
    expect((await cli([], { DATABASE_URL: url })).stderr).toContain("usage: npm run admin");
    expect(await rolesOf(url, "ada@example.com")).toEqual(["user", "admin"]);
    expect(await outboxOf(url)).toHaveLength(2);
  });

  it("applies concurrent grants once each, with one event each", async () => {
    const before = (await outboxOf(url)).length;
    const outs = await Promise.all(["a1", "a2", "a3", "a1"].map((r) => cli(["grant", "bob@example.com", r], { DATABASE_URL: url })));
    expect(outs.map((o) => o.code)).toEqual([0, 0, 0, 0]);
    expect([...((await rolesOf(url, "bob@example.com")) ?? [])].sort()).toEqual(["a1", "a2", "a3", "user"]);
    // Three changes, three events; the last holds the final roles (each event the roles its change left).
    const events = (await outboxOf(url)).slice(before);
    expect(events).toHaveLength(3);
    expect([...((events.at(-1)?.data.roles as string[] | undefined) ?? [])].sort()).toEqual(["a1", "a2", "a3", "user"]);
  });

  it("refuses a 17th role", async () => {
    await sql(url, "UPDATE users SET roles = $1::text[] WHERE email = 'ada@example.com'", [Array.from({ length: 16 }, (_, i) => `r${i}`)]);
    const out = await cli(["grant", "ada@example.com", "admin"], { DATABASE_URL: url });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("16 roles");
    expect((await outboxOf(url)).filter((e) => e.data.roles && (e.data.roles as string[]).includes("r0"))).toHaveLength(0);
  });

  it("exits 3 with a clear message when the database is unreachable", async () => {
    const out = await cli(["list", "admin"], { DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${await freePort()}/x` });
    expect(out.code).toBe(3);
    expect(out.stderr).toContain("cannot connect");
    expect(out.stderr).not.toContain("postgres:postgres");
  });
});

describe("npm run admin against the dev stack's database (no DATABASE_URL)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "gateway-cli-dev-"));
    const pgDir = path.join(dir, "postgres");
    const pgServer = await startEmbeddedPostgres({ dir: pgDir, port: await freePort() });
    await ensureDatabase(pgServer.url, "gateway");
    const url = withDatabase(pgServer.url, "gateway");
    await migrate(url);
    await seed(url);
    await pgServer.stop();
  }, 120000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts the stopped dev PostgreSQL for the command and stops it after", async () => {
    const out = await cli(["grant", "ada@example.com", "support"], { DEV_DATA_DIR: dir });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain("started for this command");
    expect(out.stdout).toContain("granted support to ada@example.com");
    expect(existsSync(path.join(dir, "postgres", "postmaster.pid"))).toBe(false);
  }, 120000);

  it("uses the running dev PostgreSQL and leaves it running", async () => {
    const port = await freePort();
    const running = await startEmbeddedPostgres({ dir: path.join(dir, "postgres"), port });
    try {
      const out = await cli(["list", "support"], { DEV_DATA_DIR: dir });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain(`PostgreSQL on port ${port}`);
      expect(out.stdout).toContain("ada@example.com");
      expect(await rolesOf(withDatabase(running.url, "gateway"), "ada@example.com")).toEqual(["user", "support"]);
    } finally {
      await running.stop();
    }
  }, 120000);

  it("uses the database a running dev stack recorded in dev-stack.json, and ignores a stale record", async () => {
    const name = `cli_rec_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
    await ensureDatabase(adminUrl, name);
    const url = withDatabase(adminUrl, name);
    await migrate(url);
    await seed(url);
    const recDir = await mkdtemp(path.join(tmpdir(), "gateway-cli-rec-"));
    // Stands in for `node scripts/dev.mjs`: the record's pid must be a live dev.mjs process.
    const standIn = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)", "dev.mjs"], { stdio: "ignore" });
    try {
      await writeFile(path.join(recDir, "dev-stack.json"), JSON.stringify({ pid: standIn.pid, state: "ready", databaseUrl: url }));
      const out = await cli(["grant", "bob@example.com", "ops"], { DEV_DATA_DIR: recDir });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stderr).toContain("dev-stack.json");
      expect(await rolesOf(url, "bob@example.com")).toEqual(["user", "admin", "ops"]);
      standIn.kill();
      await new Promise((resolve) => standIn.once("exit", resolve));
      const stale = await cli(["list", "ops"], { DEV_DATA_DIR: recDir });
      expect(stale.code).toBe(3);
      expect(stale.stderr).toContain("npm run dev");
    } finally {
      standIn.kill();
      await rm(recDir, { recursive: true, force: true });
    }
  });

  it("says how to get a database when there is none", async () => {
    const empty = await mkdtemp(path.join(tmpdir(), "gateway-cli-none-"));
    try {
      const out = await cli(["list", "admin"], { DEV_DATA_DIR: empty });
      expect(out.code).toBe(3);
      expect(out.stderr).toContain("npm run dev");
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
