// Migrations through `npm run db:migrate`'s runner, on an empty database and
// on the FastAPI app's legacy `users` table (with rows), twice each.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { ensureDatabase, migrate, withDatabase } from "../../scripts/lib/migrate.mjs";
import { GATEWAY_TABLES } from "../helpers/schema";
import { sql } from "./helpers/sql";

const run = promisify(execFile);
const MIGRATION_FILES = readdirSync(fileURLToPath(new URL("../../migrations", import.meta.url)))
  .filter((f) => f.endsWith(".sql"))
  .sort();
const admin = inject("e2eAdminDatabaseUrl");

async function columns(url: string): Promise<string[]> {
  const rows = await sql<{ column_name: string }>(
    url,
    "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY column_name",
  );
  return rows.map((r) => r.column_name);
}

const EXPECTED = [
  "account_status",
  "created_at",
  "email",
  "email_verified",
  "failed_login_attempts",
  "full_name",
  "id",
  "last_login",
  "locked_until",
  "password_hash",
  "roles",
  "totp_enabled",
  "updated_at",
];

describe("migrations", () => {
  it("build the schema on an empty database, idempotently, through npm run db:migrate", async () => {
    const url = withDatabase(admin, `mig_empty_${process.pid}`);
    await ensureDatabase(admin, `mig_empty_${process.pid}`);
    const first = await run(process.execPath, ["scripts/migrate.mjs"], { env: { ...process.env, DATABASE_URL: url } });
    expect(first.stdout).toContain("applied 0001_auth_schema.sql");
    const second = await run(process.execPath, ["scripts/migrate.mjs"], { env: { ...process.env, DATABASE_URL: url } });
    expect(second.stdout).toContain("database is up to date");
    expect(await columns(url)).toEqual(EXPECTED);
    const tables = await sql<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1");
    expect(tables.map((t) => t.table_name)).toEqual(GATEWAY_TABLES);
  });

  it("extend a legacy FastAPI users table without losing its rows", async () => {
    const name = `mig_legacy_${process.pid}`;
    await ensureDatabase(admin, name);
    const url = withDatabase(admin, name);
    await sql(
      url,
      `CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(255) NOT NULL UNIQUE, full_name VARCHAR(255), phone_number VARCHAR(32), created_at TIMESTAMP DEFAULT now())`,
    );
    await sql(url, "INSERT INTO users (email, full_name, phone_number) VALUES ('owner@example.com', 'The Owner', '+15550001111')");
    expect(await migrate(url)).toEqual(MIGRATION_FILES);
    expect(await migrate(url)).toEqual([]);
    // The admin search's trigram indexes build on the app's VARCHAR columns too.
    const trgm = await sql<{ indexname: string }>(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'users' AND indexname LIKE '%trgm%' ORDER BY 1");
    expect(trgm.map((i) => i.indexname)).toEqual(["users_email_trgm_idx", "users_full_name_trgm_idx"]);
    expect(await columns(url)).toEqual([...EXPECTED, "phone_number"].sort());
    const [row] = await sql<Record<string, unknown>>(url, "SELECT * FROM users");
    expect(row).toMatchObject({
      email: "owner@example.com",
      full_name: "The Owner",
      phone_number: "+15550001111",
      email_verified: false,
      account_status: "active",
      roles: ["user"],
      failed_login_attempts: 0,
      password_hash: null,
    });
    // Case-insensitive uniqueness now holds for new rows.
    await expect(sql(url, "INSERT INTO users (email) VALUES ('OWNER@example.com')")).rejects.toThrow(/duplicate key/);
  });

  it("apply each file once when two runners race, and hold no lock after (safe through a transaction pooler)", async () => {
    const name = `mig_race_${process.pid}`;
    await ensureDatabase(admin, name);
    const url = withDatabase(admin, name);
    const [a, b] = await Promise.all([migrate(url), migrate(url)]);
    const files = [...a, ...b].sort();
    expect(files).toEqual([...new Set(files)]);
    expect(files).toContain("0002_hardening.sql");
    const rows = await sql<{ n: string }>(url, "SELECT count(*) AS n FROM gateway_migrations");
    expect(Number(rows[0]?.n)).toBe(files.length);
    // A transaction-scoped lock ends with its transaction: nothing is left for a pooled connection to inherit.
    const locks = await sql<{ n: string }>(admin, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 7424911");
    expect(Number(locks[0]?.n)).toBe(0);
    const index = await sql<{ indexname: string }>(url, "SELECT indexname FROM pg_indexes WHERE indexname = 'auth_tokens_parent_idx'");
    expect(index).toHaveLength(1);
  });

  it("refuses to run without DATABASE_URL", async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    await expect(run(process.execPath, ["scripts/migrate.mjs"], { env })).rejects.toMatchObject({ code: 2 });
  });
});
