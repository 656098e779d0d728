/**
 * Account self-service through the real app, KV, Durable Objects and
 * Postgres: PATCH /auth/me, the email change and its confirmation page,
 * DELETE /auth/me, with their refusals and the races API.md cares about.
 */
import { describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { received } from "../helpers/delivery";
import { testGateway, type TestGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson, register, uniqueEmail, ORIGIN, nextIp } from "../helpers/http";
import { mailbox, type Mailbox } from "../helpers/mailbox";

function send(gw: TestGateway, method: string, path: string, access: string, body: unknown): Promise<Response> {
  return gw.fetch(path, {
    method,
    headers: { ...bearer(access), "content-type": "application/json", origin: ORIGIN, "cf-connecting-ip": nextIp() },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function changeToken(mail: Mailbox, to: string): string {
  const m = [...mail.messages].reverse().find((x) => x.kind === "email_change" && x.to === to);
  if (!m?.link) throw new Error(`no email_change mail to ${to}`);
  expect(m.link).toMatch(/^https:\/\/gateway\.test\/auth\/email\/change#token=/);
  return new URLSearchParams(new URL(m.link).hash.slice(1)).get("token") ?? "";
}

async function code(res: Response): Promise<string> {
  return (await res.json<{ code: string }>()).code;
}

describe("PATCH /auth/me", () => {
  it("sets, normalises and clears the name; refuses bad input without changing anything", async () => {
    const gw = await testGateway();
    const s = await newUser(gw, "name");
    const ok = await send(gw, "PATCH", "/auth/me", s.access, { full_name: "  Zoë Ｏ'Brien " });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect((await ok.json<{ user: { full_name: string } }>()).user.full_name).toBe("Zoë O'Brien");
    const emoji = "😀".repeat(200);
    expect((await send(gw, "PATCH", "/auth/me", s.access, { full_name: emoji })).status).toBe(200);
    for (const bad of [
      { full_name: "a".repeat(201) },
      { full_name: "😀".repeat(201) },
      { full_name: 42 },
      { full_name: ["x"] },
      { full_name: "bell\u0007" },
      { full_name: "x", roles: ["admin"] },
      {},
    ]) {
      const res = await send(gw, "PATCH", "/auth/me", s.access, bad);
      expect(res.status).toBe(422);
      expect(await code(res)).toBe("validation_failed");
    }
    const me = await gw.fetch("/auth/me", { headers: bearer(s.access) });
    expect((await me.json<{ user: { full_name: string } }>()).user.full_name).toBe(emoji);
    const cleared = await send(gw, "PATCH", "/auth/me", s.access, { full_name: null });
    expect((await cleared.json<{ user: { full_name: string | null } }>()).user.full_name).toBeNull();
    expect((await gw.fetch("/auth/me", { method: "PATCH", body: "{}" })).status).toBe(401);
  });
});

describe("email change", () => {
  it("answers the same bytes for a free and a taken address, and mails each party", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "mover");
    const other = await newUser(gw, "holder");
    const free = uniqueEmail("free");
    const a = await send(gw, "POST", "/auth/email/change", s.access, { new_email: free, password: GOOD_PASSWORD });
    const b = await send(gw, "POST", "/auth/email/change", s.access, { new_email: other.email.toUpperCase(), password: GOOD_PASSWORD });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(await a.text()).toBe(await b.text());
    await gw.settle();
    const kinds = mail.messages.map((m) => `${m.kind}→${m.to}`);
    expect(kinds).toContain(`email_change→${free}`);
    expect(kinds).toContain(`account_exists→${other.email}`);
    expect(kinds.filter((k) => k === `email_change_requested→${s.email}`)).toHaveLength(2);
    expect(kinds.some((k) => k.startsWith("email_change→") && k.endsWith(other.email))).toBe(false);
  });

  it("re-checks the password (401, counting toward the lockout) and validates input", async () => {
    const gw = await testGateway({ LOCKOUT_THRESHOLD: "2" });
    const s = await newUser(gw, "recheck");
    const body = { new_email: uniqueEmail("n"), password: "Wrong-Password-1" };
    const w1 = await send(gw, "POST", "/auth/email/change", s.access, body);
    expect(w1.status).toBe(401);
    expect(await code(w1)).toBe("invalid_credentials");
    await send(gw, "POST", "/auth/email/change", s.access, body);
    const locked = await send(gw, "POST", "/auth/email/change", s.access, { ...body, password: GOOD_PASSWORD });
    expect(locked.status).toBe(429);
    expect(await code(locked)).toBe("account_locked");

    const s2 = await newUser(gw, "inputs");
    for (const bad of [{ new_email: "not-an-email", password: GOOD_PASSWORD }, { new_email: s2.email, password: GOOD_PASSWORD }, { password: GOOD_PASSWORD }, { new_email: uniqueEmail("x"), password: GOOD_PASSWORD, id: 1 }]) {
      expect((await send(gw, "POST", "/auth/email/change", s2.access, bad)).status).toBe(422);
    }
  });

  it("shares the forgot-password limit per new address", async () => {
    const gw = await testGateway({ RATE_LIMIT_FORGOT_EMAIL: "1/1h" });
    const s = await newUser(gw, "limited");
    const target = uniqueEmail("target");
    expect((await send(gw, "POST", "/auth/email/change", s.access, { new_email: target, password: GOOD_PASSWORD })).status).toBe(202);
    const second = await send(gw, "POST", "/auth/email/change", s.access, { new_email: target, password: GOOD_PASSWORD });
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).not.toBeNull();
  });

  it("confirms: email replaced and verified, every session revoked, the old address free, the link single-use", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "confirm");
    const second = await loginBearer(gw, s.email);
    const target = uniqueEmail("target");
    await send(gw, "POST", "/auth/email/change", s.access, { new_email: target, password: GOOD_PASSWORD });
    await gw.settle();
    const token = changeToken(mail, target);
    const ok = await postJson(gw, "/auth/email/change/confirm", { token });
    expect(ok.status).toBe(200);
    expect((await ok.json<{ user: { email: string; email_verified: boolean } }>()).user).toMatchObject({ email: target, email_verified: true });
    for (const access of [s.access, second.access]) expect((await gw.fetch("/auth/me", { headers: bearer(access) })).status).toBe(401);
    for (const refresh of [s.refresh, second.refresh]) expect((await postJson(gw, "/auth/refresh", { refresh_token: refresh })).status).toBe(401);
    await expect(loginBearer(gw, target)).resolves.toBeDefined();
    expect((await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" })).status).toBe(401);
    const again = await postJson(gw, "/auth/email/change/confirm", { token });
    expect(again.status).toBe(400);
    expect(await code(again)).toBe("invalid_token");
    const rows = await query<{ event_type: string }>(gw.databaseUrl, "SELECT event_type FROM auth_events WHERE event_type LIKE 'email_change%'");
    await gw.settle();
    expect(rows.length).toBeGreaterThanOrEqual(1);
  });

  it("refuses unknown, expired and superseded links with 400", async () => {
    let now = Date.now();
    const mail = mailbox();
    const gw = await testGateway({ RATE_LIMIT_FORGOT_EMAIL: "10/1h" }, { mailer: mail, now: () => now });
    const s = await newUser(gw, "expiry");
    const t1 = uniqueEmail("t1");
    await send(gw, "POST", "/auth/email/change", s.access, { new_email: t1, password: GOOD_PASSWORD });
    await gw.settle();
    const first = changeToken(mail, t1);
    const t2 = uniqueEmail("t2");
    await send(gw, "POST", "/auth/email/change", s.access, { new_email: t2, password: GOOD_PASSWORD });
    await gw.settle();
    const second = changeToken(mail, t2);
    expect((await postJson(gw, "/auth/email/change/confirm", { token: first })).status).toBe(400);
    expect((await postJson(gw, "/auth/email/change/confirm", { token: "A".repeat(43) })).status).toBe(400);
    expect((await postJson(gw, "/auth/email/change/confirm", { token: "nope" })).status).toBe(400);
    expect((await postJson(gw, "/auth/email/change/confirm", {})).status).toBe(422);
    now += 31 * 60 * 1000;
    expect((await postJson(gw, "/auth/email/change/confirm", { token: second })).status).toBe(400);
  });

  it("409 when the address was taken meanwhile, changing nothing", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const s = await newUser(gw, "late");
    const target = uniqueEmail("contested");
    await send(gw, "POST", "/auth/email/change", s.access, { new_email: target, password: GOOD_PASSWORD });
    await gw.settle();
    const token = changeToken(mail, target);
    expect((await register(gw, target)).status).toBe(202);
    const res = await postJson(gw, "/auth/email/change/confirm", { token });
    expect(res.status).toBe(409);
    expect(await code(res)).toBe("conflict");
    const me = await gw.fetch("/auth/me", { headers: bearer(s.access) });
    expect(me.status).toBe(200);
    expect((await me.json<{ user: { email: string } }>()).user.email).toBe(s.email);
  });

  it("races: one token confirmed twice at once changes once; two users confirming one address: one wins, one 409", async () => {
    const mail = mailbox();
    const gw = await testGateway({}, { mailer: mail });
    const a = await newUser(gw, "racer-a");
    const b = await newUser(gw, "racer-b");
    const target = uniqueEmail("prize");
    await send(gw, "POST", "/auth/email/change", a.access, { new_email: target, password: GOOD_PASSWORD });
    await gw.settle();
    const tokenA = changeToken(mail, target);
    const twice = await Promise.all([0, 1].map(() => postJson(gw, "/auth/email/change/confirm", { token: tokenA })));
    expect(twice.map((r) => r.status).sort()).toEqual([200, 400]);

    const target2 = uniqueEmail("prize2");
    const c = await newUser(gw, "racer-c");
    await send(gw, "POST", "/auth/email/change", b.access, { new_email: target2, password: GOOD_PASSWORD });
    await send(gw, "POST", "/auth/email/change", c.access, { new_email: target2, password: GOOD_PASSWORD });
    await gw.settle();
    const tokens = mail.messages
      .filter((m) => m.kind === "email_change" && m.to === target2)
      .map((m) => new URLSearchParams(new URL(m.link ?? "").hash.slice(1)).get("token"));
    expect(tokens).toHaveLength(2);
    const both = await Promise.all(tokens.map((token) => postJson(gw, "/auth/email/change/confirm", { token })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const holders = await query(gw.databaseUrl, "SELECT id FROM users WHERE lower(email) = $1", [target2]);
    expect(holders).toHaveLength(1);
  });

  it("serves the confirmation page without spending the token", async () => {
    const gw = await testGateway();
    const res = await gw.fetch("/auth/email/change?token=abc", { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
    const html = await res.text();
    expect(html).toContain('id="confirm"');
    expect(html).not.toContain("abc");
    expect((await gw.fetch("/auth/email/change/confirm")).status).toBe(405);
  });
});

describe("DELETE /auth/me", () => {
  it("erases the account; the email registers again; old tokens die; user.deleted is delivered", async () => {
    const gw = await testGateway({}, { mailer: mailbox() });
    const s = await newUser(gw, "leaver");
    await send(gw, "PATCH", "/auth/me", s.access, { full_name: "Leaving Soon" });
    const wrong = await send(gw, "DELETE", "/auth/me", s.access, { password: "Wrong-Password-1" });
    expect(wrong.status).toBe(401);
    expect(await code(wrong)).toBe("invalid_credentials");
    expect((await send(gw, "DELETE", "/auth/me", s.access, {})).status).toBe(422);
    const ok = await send(gw, "DELETE", "/auth/me", s.access, { password: GOOD_PASSWORD });
    expect(ok.status).toBe(204);
    await gw.settle();
    const [row] = await query<Record<string, unknown>>(gw.databaseUrl, "SELECT * FROM users WHERE id = $1", [Number(s.body.user && (s.body.user as { id: string }).id)]);
    expect(row).toMatchObject({ account_status: "deleted", full_name: null, password_hash: null, email_verified: false });
    expect(String(row?.email)).not.toContain(s.email.split("@")[0] ?? "x");
    const tokens = await query(gw.databaseUrl, "SELECT id FROM auth_tokens WHERE user_id = $1", [row?.id]);
    expect(tokens).toHaveLength(0);
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(401);
    expect((await postJson(gw, "/auth/refresh", { refresh_token: s.refresh })).status).toBe(401);
    expect((await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" })).status).toBe(401);
    expect((await register(gw, s.email)).status).toBe(202);
    const again = await loginBearer(gw, s.email);
    expect((again.body.user as { id: string }).id).not.toBe(String(row?.id));
    const events = await received(`"user_id":"${String(row?.id)}"`);
    expect(events.some((e) => e.path === "/events" && e.body.includes('"user.deleted"'))).toBe(true);
  });

  it("two deletions at once erase once, audit once, and leave a consistent row", async () => {
    const gw = await testGateway();
    const s = await newUser(gw, "double");
    const id = (s.body.user as { id: string }).id;
    const both = await Promise.all([0, 1].map(() => send(gw, "DELETE", "/auth/me", s.access, { password: GOOD_PASSWORD })));
    for (const r of both) expect([204, 401]).toContain(r.status);
    expect(both.some((r) => r.status === 204)).toBe(true);
    await gw.settle();
    const audits = await query(gw.databaseUrl, "SELECT id FROM auth_events WHERE event_type = 'account_deleted' AND user_id = $1", [id]);
    expect(audits).toHaveLength(1);
    const [row] = await query<{ account_status: string }>(gw.databaseUrl, "SELECT account_status FROM users WHERE id = $1", [id]);
    expect(row?.account_status).toBe("deleted");
  });

  it("a refresh racing the deletion leaves no usable session", async () => {
    const gw = await testGateway();
    const s = await newUser(gw, "racer");
    const [del, ref] = await Promise.all([
      send(gw, "DELETE", "/auth/me", s.access, { password: GOOD_PASSWORD }),
      postJson(gw, "/auth/refresh", { refresh_token: s.refresh }),
    ]);
    expect(del.status).toBe(204);
    await gw.settle();
    if (ref.status === 200) {
      const fresh = await ref.json<{ access_token: string; refresh_token: string }>();
      expect((await gw.fetch("/auth/me", { headers: bearer(fresh.access_token) })).status).toBe(401);
      expect((await postJson(gw, "/auth/refresh", { refresh_token: fresh.refresh_token })).status).not.toBe(200);
    }
    const id = (s.body.user as { id: string }).id;
    expect(await query(gw.databaseUrl, "SELECT id FROM auth_tokens WHERE user_id = $1", [id])).toHaveLength(0);
  });
});
