import { describe, expect, it } from "vitest";
import { adminGet, adminSend, adminTestbed, newAdmin, problemCode, userId } from "../helpers/admin";
import { query } from "../helpers/database";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson } from "../helpers/http";
import { waitForDeliveries } from "../helpers/delivery";

type Json = Record<string, unknown>;
const { gw, mail, admin } = await adminTestbed();

async function target(tag = "target") {
  const u = await newUser(gw, tag);
  return { ...u, id: await userId(gw, u.email) };
}

async function row(id: string): Promise<Json> {
  const rows = await query<Json>(gw.databaseUrl, "SELECT roles, account_status, email_verified, failed_login_attempts, locked_until, updated_at FROM users WHERE id = $1", [id]);
  return rows[0] as Json;
}

async function events(qs: string): Promise<Json[]> {
  const res = await adminGet(gw, `/auth/admin/events?${qs}`, admin.access);
  expect(res.status).toBe(200);
  return (await res.json<{ events: Json[] }>()).events;
}

const patch = (id: string, body: unknown, token = admin.access) => adminSend(gw, "PATCH", `/auth/admin/users/${id}`, token, body);

describe("PATCH /auth/admin/users/{id}", () => {
  it("changes roles: the live token fails at once, a refresh carries the new roles", async () => {
    const t = await target();
    expect((await gw.fetch("/auth/me", { headers: bearer(t.access) })).status).toBe(200);
    const res = await patch(t.id, { roles: ["user", "editor"] });
    expect(res.status).toBe(200);
    const { user } = await res.json<{ user: Json }>();
    expect(user.roles).toEqual(["user", "editor"]);
    expect(user.mfa).toEqual({ totp: false, passkeys: 0 });
    const stale = await gw.fetch("/auth/me", { headers: bearer(t.access) });
    expect(stale.status).toBe(401);
    expect(await problemCode(stale)).toBe("token_revoked");
    // Refreshed in the same second as the change: issued after it, so accepted.
    const refreshed = await postJson(gw, "/auth/refresh", { refresh_token: t.refresh });
    expect(refreshed.status).toBe(200);
    const fresh = (await refreshed.json<Json>()).access_token as string;
    const me = await gw.fetch("/auth/me", { headers: bearer(fresh) });
    expect(me.status).toBe(200);
    expect((await me.json<{ user: Json }>()).user.roles).toEqual(["user", "editor"]);
    const [event] = await events(`user_id=${t.id}&type=admin_user_updated`);
    expect(event?.actor_id).toBe(admin.id);
    expect(event?.detail).toEqual({ roles: { from: ["user"], to: ["user", "editor"] } });
  });

  it("disables: every session revoked, tokens and refresh refused, login refused; enabling restores login", async () => {
    const t = await target();
    const res = await patch(t.id, { account_status: "disabled" });
    expect(res.status).toBe(200);
    expect((await res.json<{ user: Json }>()).user.account_status).toBe("disabled");
    expect(await problemCode(await gw.fetch("/auth/me", { headers: bearer(t.access) }))).toBe("token_revoked");
    const refresh = await postJson(gw, "/auth/refresh", { refresh_token: t.refresh });
    expect(await problemCode(refresh)).toBe("account_disabled");
    const live = await query(gw.databaseUrl, "SELECT 1 FROM auth_tokens WHERE user_id = $1 AND token_type = 'refresh' AND NOT is_revoked", [t.id]);
    expect(live).toHaveLength(0);
    const login = await postJson(gw, "/auth/login", { email: t.email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(await problemCode(login)).toBe("account_disabled");
    expect((await patch(t.id, { account_status: "active" })).status).toBe(200);
    // Enabling gives back the right to log in, not the revoked sessions.
    expect(await problemCode(await postJson(gw, "/auth/refresh", { refresh_token: t.refresh }))).toBe("invalid_token");
    await loginBearer(gw, t.email);
    const types = (await events(`user_id=${t.id}&type=admin_user_updated`)).map((e) => e.detail);
    expect(types).toEqual([
      { account_status: { from: "disabled", to: "active" } },
      { account_status: { from: "active", to: "disabled" }, sessions_revoked: 1 },
    ]);
  });

  it("emits user.roles_changed, user.disabled and user.enabled to the events webhook", async () => {
    const t = await target("webhook");
    await patch(t.id, { roles: ["user", "editor"] });
    await patch(t.id, { account_status: "disabled" });
    await patch(t.id, { account_status: "active" });
    await gw.settle();
    const records = await waitForDeliveries(`"user_id":"${t.id}"`, (rs) => rs.filter((r) => r.path === "/events" && r.status === 204 && !r.body.includes("user.created")).length >= 3);
    const types = records.filter((r) => r.path === "/events" && r.status === 204).map((r) => JSON.parse(r.body) as { type: string; data: Json });
    expect(types.find((e) => e.type === "user.roles_changed")?.data).toEqual({ user_id: t.id, roles: ["user", "editor"] });
    expect(types.map((e) => e.type)).toEqual(expect.arrayContaining(["user.disabled", "user.enabled"]));
  });

  it("sets email_verified without touching tokens", async () => {
    const t = await target();
    const res = await patch(t.id, { email_verified: true });
    expect((await res.json<{ user: Json }>()).user.email_verified).toBe(true);
    expect((await gw.fetch("/auth/me", { headers: bearer(t.access) })).status).toBe(200);
    expect((await row(t.id)).email_verified).toBe(true);
  });

  it("refuses an admin removing their own admin role or disabling themselves (409), changing nothing", async () => {
    const a = await newAdmin(gw);
    const before = await row(a.id);
    for (const body of [{ roles: ["user"] }, { roles: [] }, { account_status: "disabled" }, { roles: ["user", "admin"], account_status: "disabled" }]) {
      const res = await patch(a.id, body, a.access);
      expect(res.status, JSON.stringify(body)).toBe(409);
      expect(await problemCode(res)).toBe("conflict");
    }
    expect(await row(a.id)).toEqual(before);
    expect((await adminGet(gw, "/auth/admin/users?limit=1", a.access)).status).toBe(200);
    // Keeping admin while changing other roles is fine.
    expect((await patch(a.id, { roles: ["admin", "support"] }, a.access)).status).toBe(200);
    // Another admin may demote them.
    expect((await patch(a.id, { roles: ["user"] })).status).toBe(200);
  });

  it("refuses bad bodies with 422 and unknown ids with 404, changing nothing", async () => {
    const t = await target();
    const before = await row(t.id);
    const bad: unknown[] = [
      {},
      { roles: "admin" },
      { roles: ["Admin"] },
      { roles: ["1abc"] },
      { roles: ["a".repeat(33)] },
      { roles: ["user", "user"] },
      { roles: Array.from({ length: 17 }, (_, i) => `r${i}`) },
      { roles: [null] },
      { account_status: "deleted" },
      { account_status: "banned" },
      { email_verified: "true" },
      { roles: ["user"], id: "1" },
      { nickname: "x" },
      [],
      "null",
      '{"roles":["user"],"roles":["admin"]}',
    ];
    for (const body of bad) {
      const res = await patch(t.id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(await problemCode(res)).toBe("validation_failed");
    }
    expect((await patch(t.id, { roles: Array.from({ length: 16 }, (_, i) => `r${i}`) })).status).toBe(200);
    expect((await patch(t.id, { roles: ["user"] })).status).toBe(200);
    const missing = await patch("999999999999", { roles: ["user"] });
    expect(missing.status).toBe(404);
    expect((await patch("abc", { roles: ["user"] })).status).toBe(404);
    const after = await row(t.id);
    expect(after.roles).toEqual(before.roles);
  });

  it("serialises concurrent changes: the audit trail chains from one state to the next", async () => {
    const t = await target();
    const results = await Promise.all([
      patch(t.id, { roles: ["user", "a"] }),
      patch(t.id, { roles: ["user", "b"] }),
      patch(t.id, { roles: ["user", "c"] }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const trail = (await events(`user_id=${t.id}&type=admin_user_updated`))
      .map((e) => (e.detail as { roles: { from: string[]; to: string[] } }).roles)
      .reverse();
    expect(trail).toHaveLength(3);
    expect(trail[0]?.from).toEqual(["user"]);
    for (let i = 1; i < trail.length; i++) expect(trail[i]?.from).toEqual(trail[i - 1]?.to);
    expect((await row(t.id)).roles).toEqual(trail[2]?.to);
  });
});

describe("actions on an account", () => {
  it("logs a user out everywhere", async () => {
    const t = await target();
    const second = await loginBearer(gw, t.email);
    const res = await adminSend(gw, "POST", `/auth/admin/users/${t.id}/logout`, admin.access);
    expect(res.status).toBe(204);
    for (const token of [t.access, second.access]) {
      expect(await problemCode(await gw.fetch("/auth/me", { headers: bearer(token) }))).toBe("token_revoked");
    }
    expect((await postJson(gw, "/auth/refresh", { refresh_token: second.refresh })).status).toBe(401);
    const [event] = await events(`user_id=${t.id}&type=admin_sessions_revoked`);
    expect(event).toMatchObject({ actor_id: admin.id, detail: { sessions_revoked: 2 } });
    expect((await adminSend(gw, "POST", "/auth/admin/users/999999999999/logout", admin.access)).status).toBe(404);
    expect((await adminSend(gw, "POST", `/auth/admin/users/${t.id}/logout`, admin.access, { all: true })).status).toBe(422);
  });

  it("unlocks a locked account: the lock and the failure count are cleared", async () => {
    const t = await target();
    for (let i = 0; i < 3; i++) await postJson(gw, "/auth/login", { email: t.email, password: "Wrong-Horse-42", transport: "bearer" });
    await gw.settle();
    const locked = await postJson(gw, "/auth/login", { email: t.email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(await problemCode(locked)).toBe("account_locked");
    const shown = await (await adminGet(gw, `/auth/admin/users/${t.id}`, admin.access)).json<{ user: Json }>();
    expect(shown.user.failed_login_attempts).toBe(3);
    expect(shown.user.locked_until).not.toBeNull();
    const res = await adminSend(gw, "POST", `/auth/admin/users/${t.id}/unlock`, admin.access);
    expect(res.status).toBe(204);
    expect(await row(t.id)).toMatchObject({ failed_login_attempts: 0, locked_until: null });
    await loginBearer(gw, t.email);
    const [event] = await events(`user_id=${t.id}&type=admin_unlocked`);
    expect(event).toMatchObject({ actor_id: admin.id, detail: { failed_login_attempts: 3 } });
    expect((await adminSend(gw, "POST", "/auth/admin/users/999999999999/unlock", admin.access)).status).toBe(404);
  });

  it("sends a password reset link (202) that works", async () => {
    const t = await target();
    const res = await adminSend(gw, "POST", `/auth/admin/users/${t.id}/password-reset`, admin.access);
    expect(res.status).toBe(202);
    await gw.settle();
    const token = mail.tokenFor(t.email, "password_reset");
    const reset = await postJson(gw, "/auth/password/reset", { token, password: "Another-Horse-43" });
    expect(reset.status).toBe(204);
    await loginBearer(gw, t.email, "Another-Horse-43");
    const [event] = await events(`user_id=${t.id}&type=admin_password_reset_sent`);
    expect(event?.actor_id).toBe(admin.id);
    expect(JSON.stringify(event)).not.toContain(token);
    expect((await adminSend(gw, "POST", "/auth/admin/users/999999999999/password-reset", admin.access)).status).toBe(404);
  });
});

describe("GET /auth/admin/events", () => {
  it("lists newest first, filtered by user and type, in pages", async () => {
    const t = await target("events");
    await postJson(gw, "/auth/login", { email: t.email, password: "Wrong-Horse-42", transport: "bearer" });
    await patch(t.id, { email_verified: true });
    await gw.settle();
    const all = await events(`user_id=${t.id}`);
    expect(all.map((e) => e.type)).toEqual(["admin_user_updated", "login_failed", "login_succeeded", "register"]);
    const ids = all.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    expect(Object.keys(all[0] as Json).sort()).toEqual(["actor_id", "created_at", "detail", "id", "ip", "type", "user_agent", "user_id"]);
    expect(all[1]).toMatchObject({ user_id: t.id, actor_id: null });
    const failed = await events(`user_id=${t.id}&type=login_failed`);
    expect(failed).toHaveLength(1);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/auth/admin/events?user_id=${t.id}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const body: { events: Json[]; next_cursor: string | null } = await (await adminGet(gw, url, admin.access)).json();
      seen.push(...body.events.map((e) => e.id as string));
      cursor = body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("refuses bad filters, limits and cursors (422)", async () => {
    const page = await (await adminGet(gw, `/auth/admin/events?user_id=${admin.id}&limit=1`, admin.access)).json<{ next_cursor: string }>();
    expect(page.next_cursor).toEqual(expect.any(String));
    for (const qs of ["user_id=abc", "user_id=0", "type=Bad Type", "type=", "limit=0", "limit=101", "actor=1", `cursor=${page.next_cursor}`, `user_id=${admin.id}&type=login_failed&cursor=${page.next_cursor}`]) {
      const res = await adminGet(gw, `/auth/admin/events?${qs}`, admin.access);
      expect(res.status, qs).toBe(422);
    }
    expect((await adminGet(gw, `/auth/admin/events?user_id=${admin.id}&limit=1&cursor=${page.next_cursor}`, admin.access)).status).toBe(200);
  });
});
