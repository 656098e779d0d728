// Mail and account events end to end: `npm run dev` (wrangler dev runs the
// delivery Queue and its consumer locally) delivers a new user's verification
// mail and `user.created` to the FastAPI example's webhook routes, which verify
// the Standard Webhooks signature and keep the event; the app then shows it to
// that user through the gateway.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, registerAndLogin, strongPassword, uniqueEmail, type BearerSession } from "./helpers/client";
import { sleep } from "./helpers/processes";
import { ROOT, startStack, type Stack } from "./helpers/stack";

const ip = ipAllocator();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ adminDatabaseUrl: inject("e2eAdminDatabaseUrl"), name: "events", webhooks: true });
});

afterAll(async () => {
  await stack?.stop();
});

interface GatewayEvent {
  id: string;
  type: string;
  timestamp: string;
  data: { user_id: string; [k: string]: unknown };
}

async function eventsOf(session: BearerSession): Promise<GatewayEvent[]> {
  const res = await call<{ events: GatewayEvent[] }>(stack.gatewayUrl, "GET", "/api/gateway-events", {
    headers: { authorization: `Bearer ${session.access_token}`, "cf-connecting-ip": ip(2) },
  });
  expect(res.status).toBe(200);
  return res.body.events;
}

describe("account events to the FastAPI app", () => {
  it("FastAPI receives user.created (signed, once) and the verification mail through the Queue", async () => {
    const session = await registerAndLogin(stack.gatewayUrl, uniqueEmail("events"), strongPassword(), ip(1));
    const deadline = Date.now() + 30_000;
    let events: GatewayEvent[] = [];
    while (!events.some((e) => e.type === "user.created")) {
      if (Date.now() > deadline) throw new Error(`no user.created within 30 s:\n${stack.gateway.log.tail(30)}`);
      await sleep(250);
      events = await eventsOf(session);
    }
    const created = events.find((e) => e.type === "user.created");
    expect(created).toMatchObject({ type: "user.created", data: { user_id: session.user.id } });
    expect(created?.id).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Date.parse(created?.timestamp ?? "")).toBeGreaterThan(Date.now() - 120_000);

    await stack.settleFastapiLog();
    const posts = stack.fastapiRequests().filter((r) => r.method === "POST" && r.path.startsWith("/webhooks/gateway/"));
    expect(posts.filter((r) => r.path === "/webhooks/gateway/events").every((r) => r.status === 204)).toBe(true);
    expect(posts.some((r) => r.path === "/webhooks/gateway/mail" && r.status === 204)).toBe(true);
    // Delivered once: a little later there is still exactly one user.created.
    await sleep(1500);
    expect((await eventsOf(session)).filter((e) => e.type === "user.created")).toHaveLength(1);
  });

  it("a grant by npm run admin reaches FastAPI as user.roles_changed: the dev stack drains the outbox", async () => {
    const email = uniqueEmail("events-cli");
    const session = await registerAndLogin(stack.gatewayUrl, email, strongPassword(), ip(3));
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, "scripts", "admin.mjs"), "grant", email, "support"], {
      env: { ...process.env, DATABASE_URL: stack.databaseUrl },
      timeout: 60_000,
    });
    expect(stdout).toContain(`granted support to ${email}`);
    const rolesChanged = async () => (await eventsOf(session)).filter((e) => e.type === "user.roles_changed");
    const deadline = Date.now() + 30_000;
    while ((await rolesChanged()).length === 0) {
      if (Date.now() > deadline) throw new Error(`no user.roles_changed within 30 s:\n${stack.gateway.log.tail(30)}`);
      await sleep(250);
    }
    await sleep(1500);
    const [event, ...more] = await rolesChanged();
    expect(more).toHaveLength(0);
    expect(event).toMatchObject({ type: "user.roles_changed", data: { user_id: session.user.id, roles: ["user", "support"] } });
    expect(event?.id).toMatch(/^msg_[0-9a-f]{32}$/);
  });
});
