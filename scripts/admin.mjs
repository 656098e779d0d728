#!/usr/bin/env node
// `npm run admin -- grant <email> <role>`, `revoke <email> <role>`, `list <role>`.
// Against DATABASE_URL or, when it is unset, the database of `npm run dev` in
// this folder (running or not: see lib/dev-database.mjs). A grant or revoke
// takes effect at the user's next login or refresh; its user.roles_changed event
// is written to event_outbox in the same transaction and sent by the Worker
// within the hour (the hourly cron). Exit codes: 0 done (or
// nothing to change), 1 unknown email or a refused change, 2 usage or a bad
// role name, 3 the database could not be reached.
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { openDevDatabase } from "./lib/dev-database.mjs";
import { recordEvent, rolesChangedEvent } from "./lib/event-outbox.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// The same rules as src/roles.ts and src/auth/email.ts.
const ROLE_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_ROLES = 16;
const USAGE = `usage: npm run admin -- grant <email> <role>
       npm run admin -- revoke <email> <role>
       npm run admin -- list <role>
Roles match ^[a-z][a-z0-9_-]{0,31}$ (for example admin). Uses DATABASE_URL, or the
database of \`npm run dev\` in this folder when DATABASE_URL is unset.`;

class Exit extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const normalizeEmail = (raw) => raw.normalize("NFKC").trim().toLowerCase().normalize("NFKC");

function parseArgs(argv) {
  const [command, ...rest] = argv;
  if (command === "grant" || command === "revoke") {
    if (rest.length !== 2) throw new Exit(2, USAGE);
    return { command, email: normalizeEmail(rest[0]), role: checkRole(rest[1]) };
  }
  if (command === "list") {
    if (rest.length !== 1) throw new Exit(2, USAGE);
    return { command, role: checkRole(rest[0]) };
  }
  throw new Exit(2, USAGE);
}

function checkRole(role) {
  if (!ROLE_RE.test(role)) {
    throw new Exit(2, `bad role name ${JSON.stringify(role)}: roles match ^[a-z][a-z0-9_-]{0,31}$ (lower case, e.g. admin)`);
  }
  return role;
}

const describe = (u) => `${u.email} (id ${u.id})`;

async function change(client, { command, email, role }) {
  await client.query("BEGIN");
  try {
    const found = await client.query(
      "SELECT id::text AS id, email, roles FROM users WHERE lower(email) = $1 FOR UPDATE",
      [email],
    );
    const user = found.rows[0];
    if (!user) throw new Exit(1, `no user with the email ${email}: nothing changed (they must register first)`);
    const has = user.roles.includes(role);
    if ((command === "grant" && has) || (command === "revoke" && !has)) {
      await client.query("ROLLBACK");
      return `${describe(user)} ${has ? "already has" : "does not have"} the role ${role}: nothing changed (roles: ${user.roles.join(", ") || "none"})`;
    }
    if (command === "grant" && user.roles.length >= MAX_ROLES) {
      throw new Exit(1, `${describe(user)} already holds ${MAX_ROLES} roles, the most a user may: nothing changed`);
    }
    const roles = command === "grant" ? [...user.roles, role] : user.roles.filter((r) => r !== role);
    await client.query("UPDATE users SET roles = $2::text[], updated_at = now() WHERE id = $1", [user.id, roles]);
    await client.query(
      "INSERT INTO auth_events (event_type, user_id, detail) VALUES ($1, $2, $3::jsonb)",
      [
        command === "grant" ? "admin_cli_role_granted" : "admin_cli_role_revoked",
        user.id,
        JSON.stringify({ role, roles: { from: user.roles, to: roles }, via: "cli" }),
      ],
    );
    // user.roles_changed, as the admin API emits it: the Worker's drain sends it (lib/event-outbox.mjs).
    await recordEvent(client, rolesChangedEvent(user.id, roles));
    await client.query("COMMIT");
    const verb = command === "grant" ? `granted ${role} to` : `revoked ${role} from`;
    return `${verb} ${describe(user)}: roles now ${roles.join(", ") || "none"}\n` +
      "It takes effect at their next login or refresh (access tokens already issued keep their roles until they expire;\n" +
      "PATCH /auth/admin/users/{id} changes roles with immediate effect).";
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  }
}

async function list(client, { role }) {
  const { rows } = await client.query(
    "SELECT id::text AS id, email, account_status, roles FROM users WHERE roles @> ARRAY[$1]::text[] ORDER BY id",
    [role],
  );
  if (rows.length === 0) return `no user holds the role ${role}`;
  const lines = rows.map((u) => `${u.id.padStart(8)}  ${u.email}  ${u.account_status}  [${u.roles.join(", ")}]`);
  return `${rows.length} user${rows.length === 1 ? "" : "s"} with the role ${role}:\n${lines.join("\n")}`;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let db;
  try {
    db = await openDevDatabase({ root, log: (m) => console.error(`[admin] ${m}`) });
  } catch (err) {
    throw new Exit(3, `cannot reach the database: ${err.message}`);
  }
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5000 });
  client.on("error", () => {});
  try {
    try {
      await client.connect();
    } catch {
      throw new Exit(3, `cannot connect to the database (${db.source})`);
    }
    console.error(`[admin] database: ${db.source}`);
    console.log(args.command === "list" ? await list(client, args) : await change(client, args));
  } finally {
    await client.end().catch(() => {});
    await db.close().catch(() => {});
  }
}

try {
  await main();
  process.exit(0);
} catch (err) {
  if (err instanceof Exit) {
    console.error(err.message);
    process.exit(err.code);
  }
  // A database error: its class, never SQL or a connection string.
  console.error(`failed: ${err?.code ? `database error ${err.code}` : err?.name ?? "error"}`);
  process.exit(3);
}
