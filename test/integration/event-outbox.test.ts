/**
 * The account events outbox (migrations/0007_event_outbox.sql): rows written
 * by `npm run admin`'s code (scripts/lib/event-outbox.mjs) in the transaction
 * of their change, drained by the Worker's scheduled handler through the real
 * local Queue to the events webhook sink, once each: with the admin API's
 * payload, with two drains racing, and after enqueues that fail or whose
 * outcome is uncertain.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordEvent, rolesChangedEvent } from "../../scripts/lib/event-outbox.mjs";
import worker from "../../src/index";
import { CLEANUP_CRON, OUTBOX_CRON, runOutboxDrain } from "../../src/scheduled";
import { adminSend, newAdmin, userId } from "../helpers/admin";
import { query, withClient } from "../helpers/database";
import { EVENTS_SECRET, signatureValid, waitForDeliveries, type SinkRecord } from "../helpers/delivery";
import { testGateway } from "../helpers/gateway";
import { newUser } from "../helpers/http";

const realQueue = (env as unknown as Env).DELIVERY_QUEUE;
const gw = await testGateway({ ADMIN_REQUIRE_MFA: "false" });

interface OutboxRow {
  message_id: string;
  type: string;
  data: Record<string, unknown>;
  created_at: string | Date;
}

const outbox = () => query<OutboxRow>(gw.databaseUrl, "SELECT message_id, type, data, created_at FROM event_outbox ORDER BY id");

/** What the CLI does for a grant: the change and its event in one transaction (committed unless `rollback`). */
async function cliGrant(email: string, role: string, rollback = false): Promise<void> {
  await withClient(gw.databaseUrl, async (client) => {
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: string; roles: string[] }>("SELECT id::text AS id, roles FROM users WHERE email = $1 FOR UPDATE", [email]);
    const user = rows[0];
    if (!user) throw new Error(`no user ${email}`);
    const roles = [...user.roles, role];
    await client.query("UPDATE users SET roles = $2::text[] WHERE id = $1", [user.id, roles]);
    await recordEvent(client, rolesChangedEvent(user.id, roles));
    await client.query(rollback ? "ROLLBACK" : "COMMIT");
  });
}

async function insertEvents(prefix: string, n: number): Promise<void> {
  await withClient(gw.databaseUrl, async (client) => {
    for (let i = 0; i < n; i++) await recordEvent(client, rolesChangedEvent(`${prefix}-${i}`, ["user"]));
  });
}

async function scheduled(cron: string, target = gw.env): Promise<void> {
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron }), target, ctx);
  await waitOnExecutionContext(ctx);
}

/** A Queue that records what it is given, optionally waits first, then forwards to the real one (or throws). */
function recordingQueue(opts: { delayMs?: number; fail?: "before" | "after" } = {}) {
  const sent: string[] = [];
  const queue = {
    async sendBatch(messages: Iterable<MessageSendRequest>) {
      const list = [...messages];
      if (opts.fail === "before") throw new Error("queue down");
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      await realQueue.sendBatch(list);
      for (const m of list) sent.push((m.body as { id: string }).id);
      if (opts.fail === "after") throw new Error("outcome unknown");
    },
  };
  return { sent, queue: queue as unknown as Queue };
}

const delivered = (type: string) => (rs: SinkRecord[]) => rs.filter((r) => r.path === "/events" && r.status === 204 && r.body.includes(`"${type}"`));

describe("account events outbox", { timeout: 60_000 }, () => {
  it("a CLI grant reaches the events webhook once through the Queue, with the admin API's payload; a rolled-back one never", async () => {
    const admin = await newAdmin(gw);
    const viaApi = await newUser(gw, "outbox-api");
    const apiId = await userId(gw, viaApi.email);
    expect((await adminSend(gw, "PATCH", `/auth/admin/users/${apiId}`, admin.access, { roles: ["user", "support"] })).status).toBe(200);
    await gw.settle();

    const viaCli = await newUser(gw, "outbox-cli");
    const cliId = await userId(gw, viaCli.email);
    await cliGrant(viaCli.email, "ghost", true);
    expect(await outbox()).toHaveLength(0);
    await cliGrant(viaCli.email, "support");
    const [row] = await outbox();
    expect(row?.message_id).toMatch(/^msg_[0-9a-f]{32}$/);

    await scheduled(OUTBOX_CRON);
    expect(await outbox()).toHaveLength(0);

    const roles = delivered("user.roles_changed");
    const [cliRecord] = roles(await waitForDeliveries(`"user_id":"${cliId}"`, (rs) => roles(rs).length > 0));
    const [apiRecord] = roles(await waitForDeliveries(`"user_id":"${apiId}"`, (rs) => roles(rs).length > 0));
    expect(cliRecord?.headers["webhook-id"]).toBe(row?.message_id);
    expect(await signatureValid(cliRecord as SinkRecord, EVENTS_SECRET)).toBe(true);
    const cli = JSON.parse(cliRecord?.body ?? "{}") as { type: string; timestamp: string; data: Record<string, unknown> };
    const api = JSON.parse(apiRecord?.body ?? "{}") as { type: string; data: Record<string, unknown> };
    expect(cli.type).toBe(api.type);
    expect(Object.keys(cli.data).sort()).toEqual(Object.keys(api.data).sort());
    expect(api.data).toEqual({ user_id: apiId, roles: ["user", "support"] });
    expect(cli.data).toEqual({ user_id: cliId, roles: ["user", "support"] });
    expect(cli.timestamp).toBe(new Date(row?.created_at ?? 0).toISOString());

    await new Promise((r) => setTimeout(r, 1500));
    expect(roles(await waitForDeliveries(`"user_id":"${cliId}"`, () => true))).toHaveLength(1);
  });

  it("two drains at once enqueue each row once", async () => {
    const prefix = `race-${crypto.randomUUID().slice(0, 8)}`;
    await insertEvents(prefix, 40);
    const { sent, queue } = recordingQueue({ delayMs: 150 });
    const [a, b] = await Promise.all([
      runOutboxDrain(gw.env, { queue, batchSize: 7 }),
      runOutboxDrain(gw.env, { queue, batchSize: 7 }),
    ]);
    // Both really ran at once: each took some of the rows, and no row twice.
    expect(a.enqueued).toBeGreaterThan(0);
    expect(b.enqueued).toBeGreaterThan(0);
    expect(a.enqueued + b.enqueued).toBe(40);
    expect(new Set(sent).size).toBe(40);
    expect(sent).toHaveLength(40);
    expect(await outbox()).toHaveLength(0);
    const records = await waitForDeliveries(prefix, (rs) => delivered("user.roles_changed")(rs).length >= 40);
    expect(new Set(records.map((r) => r.headers["webhook-id"])).size).toBe(40);
  });

  it("a failed enqueue leaves the rows; one whose outcome was lost is sent again and delivered once", async () => {
    const prefix = `flaky-${crypto.randomUUID().slice(0, 8)}`;
    await insertEvents(prefix, 2);
    await expect(runOutboxDrain(gw.env, { queue: recordingQueue({ fail: "before" }).queue })).rejects.toThrow();
    expect(await outbox()).toHaveLength(2);
    const lost = recordingQueue({ fail: "after" });
    await expect(runOutboxDrain(gw.env, { queue: lost.queue })).rejects.toThrow();
    expect(lost.sent).toHaveLength(2);
    expect(await outbox()).toHaveLength(2);
    expect(await runOutboxDrain(gw.env)).toEqual({ enqueued: 2, dropped: 0 });
    expect(await outbox()).toHaveLength(0);

    const roles = delivered("user.roles_changed");
    await waitForDeliveries(prefix, (rs) => roles(rs).length >= 2);
    await new Promise((r) => setTimeout(r, 1500));
    const records = roles(await waitForDeliveries(prefix, () => true));
    expect(records.map((r) => r.headers["webhook-id"]).sort()).toEqual([...lost.sent].sort());
  });

  it("the hourly cron (the only one deployed) drains after its cleanup; without EVENTS_WEBHOOK_URL, or for a bad row, the drain deletes unsent", async () => {
    const prefix = `off-${crypto.randomUUID().slice(0, 8)}`;
    await insertEvents(prefix, 1);
    expect(await outbox()).toHaveLength(1);
    await scheduled(CLEANUP_CRON);
    expect(await outbox()).toHaveLength(0);

    await insertEvents(`${prefix}-quiet`, 1);
    const quiet = await testGateway({ EVENTS_WEBHOOK_URL: "", EVENTS_WEBHOOK_SECRET: "" }, {}, { databaseUrl: gw.databaseUrl });
    const unused = recordingQueue();
    expect(await runOutboxDrain(quiet.env, { queue: unused.queue })).toEqual({ enqueued: 0, dropped: 1 });
    expect(unused.sent).toHaveLength(0);

    await query(gw.databaseUrl, "INSERT INTO event_outbox (type, data) VALUES ('user.bogus', '{\"user_id\":\"1\"}'), ('user.enabled', '{}')");
    expect(await runOutboxDrain(gw.env, { queue: unused.queue })).toEqual({ enqueued: 0, dropped: 2 });
    expect(await outbox()).toHaveLength(0);
  });
});
