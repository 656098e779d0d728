import { describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, cookiesOf, loginBearer, newUser, postJson, register, uniqueEmail } from "../helpers/http";

const gw = await testGateway();

describe("POST /auth/register", () => {
  it("answers the same 202 bytes for a new and a taken email, and creates one user", async () => {
    const email = uniqueEmail("reg");
    const first = await register(gw, email, GOOD_PASSWORD, { full_name: "Ada" });
    const second = await register(gw, email.toUpperCase(), "Another-Pass-99");
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const [a, b] = [await first.text(), await second.text()];
    expect(a).toBe('{"status":"accepted"}');
    expect(b).toBe(a);
    expect(first.headers.get("content-type")).toBe(second.headers.get("content-type"));
    const rows = await query<{ n: string }>(gw.databaseUrl, "SELECT COUNT(*) AS n FROM users WHERE lower(email) = $1", [email]);
    expect(Number(rows[0]?.n)).toBe(1);
    // The original password still works: the second registration changed nothing.
    await expect(loginBearer(gw, email)).resolves.toMatchObject({ body: { user: { full_name: "Ada" } } });
  });

  it("refuses privileged and unknown fields with 422 and creates nothing", async () => {
    const email = uniqueEmail("priv");
    for (const extra of [{ roles: ["admin"] }, { email_verified: true }, { id: 1 }, { account_status: "active" }]) {
      const res = await register(gw, email, GOOD_PASSWORD, extra);
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await res.json<{ code: string; errors: { field: string }[] }>();
      expect(body.code).toBe("validation_failed");
      expect(body.errors.map((e) => e.field)).toContain(Object.keys(extra)[0]);
    }
    const rows = await query(gw.databaseUrl, "SELECT 1 FROM users WHERE email = $1", [email]);
    expect(rows).toHaveLength(0);
  });

  it("refuses non-objects, wrong types, duplicate keys and bad JSON with 422", async () => {
    const bodies = [
      "[]",
      "null",
      '"x"',
      "{",
      `{"email":"a@example.com","password":"${GOOD_PASSWORD}","email":"b@example.com"}`,
      JSON.stringify({ email: ["a@example.com"], password: GOOD_PASSWORD }),
      JSON.stringify({ email: { $ne: null }, password: GOOD_PASSWORD }),
      JSON.stringify({ email: "a@example.com", password: 12345678 }),
      JSON.stringify({ email: "not-an-email", password: GOOD_PASSWORD }),
      JSON.stringify({ email: "a@example.com" }),
    ];
    for (const body of bodies) {
      const res = await postJson(gw, "/auth/register", body);
      expect(res.status, body).toBe(422);
      expect((await res.json<{ code: string }>()).code).toBe("validation_failed");
    }
  });

  it("refuses a weak password with 422 weak_password naming the rule", async () => {
    const res = await register(gw, uniqueEmail("weak"), "password");
    expect(res.status).toBe(422);
    const body = await res.json<{ code: string; detail: string; errors: { field: string }[] }>();
    expect(body.code).toBe("weak_password");
    expect(body.errors[0]?.field).toBe("password");
    expect(body.detail).not.toContain("password\"");
  });

  it("refuses bodies over 16 KiB with 413 before parsing", async () => {
    const big = JSON.stringify({ email: uniqueEmail(), password: "x".repeat(17 * 1024) });
    const res = await postJson(gw, "/auth/register", big);
    expect(res.status).toBe(413);
    expect((await res.json<{ code: string }>()).code).toBe("payload_too_large");
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const res2 = await gw.fetch("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://gateway.test" },
      body: chunked,
    });
    expect(res2.status).toBe(413);
  });
});

describe("POST /auth/login", () => {
  it("answers identically for an unknown email and a wrong password", async () => {
    const { email } = await newUser(gw, "same");
    const unknown = await postJson(gw, "/auth/login", { email: uniqueEmail("nobody"), password: "Wrong-Pass-123", transport: "bearer" });
    const wrong = await postJson(gw, "/auth/login", { email, password: "Wrong-Pass-123", transport: "bearer" });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    const [u, w] = [await unknown.json<Record<string, unknown>>(), await wrong.json<Record<string, unknown>>()];
    delete u.request_id;
    delete w.request_id;
    expect(u).toEqual(w);
    expect(u.code).toBe("invalid_credentials");
  });

  it("sets HttpOnly cookies with the documented attributes and no token in the body", async () => {
    const { email } = await newUser(gw, "cookie");
    const res = await postJson(gw, "/auth/login", { email, password: GOOD_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Record<string, unknown>>();
    expect(body).toEqual({ user: expect.objectContaining({ email }), expires_in: 900 });
    expect(JSON.stringify(body)).not.toMatch(/token|hash|failed_login/);
    const cookies = cookiesOf(res);
    const access = cookies.get("__Host-access");
    const refresh = cookies.get("__Secure-refresh");
    expect(access?.attrs).toEqual(expect.arrayContaining(["HttpOnly", "Secure", "SameSite=Lax", "Path=/", "Max-Age=900"]));
    expect(refresh?.attrs).toEqual(expect.arrayContaining(["HttpOnly", "Secure", "SameSite=Strict", "Path=/auth", "Max-Age=604800"]));
    const me = await gw.fetch("/auth/me", { headers: { cookie: `__Host-access=${access?.value}` } });
    expect(me.status).toBe(200);
    expect((await me.json<{ user: { email: string } }>()).user.email).toBe(email);
  });

  it("gives the bearer body and no cookies for transport bearer", async () => {
    const { email } = await newUser(gw, "bearer");
    const res = await postJson(gw, "/auth/login", { email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 900, refresh_expires_in: 604800 });
    expect(typeof body.access_token).toBe("string");
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("logs in with an NFKC-equivalent email (full-width, Kelvin sign, upper case)", async () => {
    const email = `kate-${crypto.randomUUID().slice(0, 6)}@example.com`;
    await register(gw, email);
    const variant = email.replace("k", "\u212A").toUpperCase().replace("@", "\uFF20");
    await expect(loginBearer(gw, variant)).resolves.toBeDefined();
  });

  it("refuses a cookie login without Origin or Sec-Fetch-Site (login CSRF) and a cross-site one", async () => {
    const { email } = await newUser(gw, "csrf");
    const body = JSON.stringify({ email, password: GOOD_PASSWORD });
    const variants: Record<string, string>[] = [
      { "content-type": "application/json" },
      { "content-type": "application/json", origin: "https://evil.example" },
      { "content-type": "application/json", origin: "null" },
      { "content-type": "application/json", "sec-fetch-site": "cross-site" },
    ];
    for (const headers of variants) {
      const res = await gw.fetch("/auth/login", { method: "POST", headers: { ...headers, "cf-connecting-ip": "10.200.0.1" }, body });
      expect(res.status).toBe(403);
      expect((await res.json<{ code: string }>()).code).toBe("csrf_failed");
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    const sameSite = await gw.fetch("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "sec-fetch-site": "same-origin", "cf-connecting-ip": "10.200.0.2" },
      body,
    });
    expect(sameSite.status).toBe(200);
  });

  it("blocks a disabled account with 403 account_disabled", async () => {
    const { email } = await newUser(gw, "disabled");
    await query(gw.databaseUrl, "UPDATE users SET account_status = 'disabled' WHERE email = $1", [email]);
    const res = await postJson(gw, "/auth/login", { email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(res.status).toBe(403);
    expect((await res.json<{ code: string }>()).code).toBe("account_disabled");
  });

  it("records last_login and resets failed_login_attempts", async () => {
    const { email } = await newUser(gw, "counters");
    await postJson(gw, "/auth/login", { email, password: "Wrong-Pass-123", transport: "bearer" });
    await gw.settle();
    let row = (await query<{ failed_login_attempts: number; last_login: string | null }>(gw.databaseUrl, "SELECT failed_login_attempts, last_login FROM users WHERE email = $1", [email]))[0];
    expect(row?.failed_login_attempts).toBe(1);
    await loginBearer(gw, email);
    await gw.settle();
    row = (await query<{ failed_login_attempts: number; last_login: string | null }>(gw.databaseUrl, "SELECT failed_login_attempts, last_login FROM users WHERE email = $1", [email]))[0];
    expect(row?.failed_login_attempts).toBe(0);
    expect(row?.last_login).not.toBeNull();
  });
});

describe("refresh rotation", () => {
  it("rotates on every use and detects reuse by revoking the whole family", async () => {
    const s = await newUser(gw, "rotate");
    const r1 = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
    expect(r1.status).toBe(200);
    const b1 = await r1.json<{ refresh_token: string; access_token: string }>();
    expect(b1.refresh_token).not.toBe(s.refresh);
    const r2 = await postJson(gw, "/auth/refresh", { refresh_token: b1.refresh_token });
    expect(r2.status).toBe(200);
    const b2 = await r2.json<{ refresh_token: string; access_token: string }>();

    // Replay the first token long after the grace window: reuse.
    await query(gw.databaseUrl, "UPDATE auth_tokens SET used_at = used_at - interval '1 hour' WHERE used_at IS NOT NULL");
    const replay = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
    expect(replay.status).toBe(401);
    expect((await replay.json<{ code: string }>()).code).toBe("token_reused");
    // The newest token of the family is dead too, and so are its access tokens.
    const after = await postJson(gw, "/auth/refresh", { refresh_token: b2.refresh_token });
    expect(after.status).toBe(401);
    const me = await gw.fetch("/auth/me", { headers: bearer(b2.access_token) });
    expect(me.status).toBe(401);
    expect((await me.json<{ code: string }>()).code).toBe("token_revoked");
    const events = await query<{ event_type: string }>(gw.databaseUrl, "SELECT event_type FROM auth_events WHERE event_type = 'refresh_reuse_detected'");
    await gw.settle();
    expect(events.length + (await query(gw.databaseUrl, "SELECT 1 FROM auth_events WHERE event_type = 'refresh_reuse_detected'")).length).toBeGreaterThan(0);
  });

  it("gives two concurrent refreshes of one token the same successor", async () => {
    const s = await newUser(gw, "tabs");
    const [a, b] = await Promise.all([
      postJson(gw, "/auth/refresh", { refresh_token: s.refresh }),
      postJson(gw, "/auth/refresh", { refresh_token: s.refresh }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [ba, bb] = [await a.json<{ refresh_token: string }>(), await b.json<{ refresh_token: string }>()];
    expect(ba.refresh_token).toBe(bb.refresh_token);
    const live = await query<{ n: string }>(
      gw.databaseUrl,
      "SELECT COUNT(*) AS n FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = $1 AND t.token_type = 'refresh' AND t.used_at IS NULL AND NOT t.is_revoked",
      [s.email],
    );
    expect(Number(live[0]?.n)).toBe(1);
    const next = await postJson(gw, "/auth/refresh", { refresh_token: ba.refresh_token });
    expect(next.status).toBe(200);
  });

  it("refreshes from the cookie and answers with new cookies", async () => {
    const { email } = await newUser(gw, "cookierefresh");
    const login = await postJson(gw, "/auth/login", { email, password: GOOD_PASSWORD });
    const refresh = cookiesOf(login).get("__Secure-refresh")?.value;
    const res = await gw.fetch("/auth/refresh", {
      method: "POST",
      headers: { cookie: `__Secure-refresh=${refresh}`, origin: "https://gateway.test", "cf-connecting-ip": "10.99.0.1" },
    });
    expect(res.status).toBe(200);
    const cookies = cookiesOf(res);
    expect(cookies.get("__Secure-refresh")?.value).not.toBe(refresh);
    expect(cookies.get("__Host-access")?.value).toBeTruthy();
    expect(JSON.stringify(await res.json())).not.toContain("refresh_token");
    const csrf = await gw.fetch("/auth/refresh", {
      method: "POST",
      headers: { cookie: `__Secure-refresh=${cookies.get("__Secure-refresh")?.value}`, origin: "https://evil.example" },
    });
    expect(csrf.status).toBe(403);
  });

  it("refuses garbage, unknown and expired refresh tokens", async () => {
    const garbage = await postJson(gw, "/auth/refresh", { refresh_token: "nope" });
    expect(garbage.status).toBe(401);
    expect((await garbage.json<{ code: string }>()).code).toBe("invalid_token");
    const unknown = await postJson(gw, "/auth/refresh", { refresh_token: "A".repeat(43) });
    expect(unknown.status).toBe(401);
    const s = await newUser(gw, "expired");
    await query(gw.databaseUrl, "UPDATE auth_tokens SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = $1)", [s.email]);
    const expired = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
    expect(expired.status).toBe(401);
    expect((await expired.json<{ code: string }>()).code).toBe("token_expired");
  });
});

describe("logout, logout-all, sessions", () => {
  it("logout blacklists the access token, revokes the session and clears cookies", async () => {
    const s = await newUser(gw, "logout");
    const res = await postJson(gw, "/auth/logout", {}, bearer(s.access));
    expect(res.status).toBe(204);
    const cleared = cookiesOf(res);
    expect(cleared.get("__Host-access")?.attrs).toContain("Max-Age=0");
    expect(cleared.get("__Secure-refresh")?.attrs).toContain("Max-Age=0");
    const me = await gw.fetch("/auth/me", { headers: bearer(s.access) });
    expect(me.status).toBe(401);
    expect((await me.json<{ code: string }>()).code).toBe("token_revoked");
    const refresh = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
    expect(refresh.status).toBe(401);
  });

  it("logout answers 204 with no token or a bad one", async () => {
    expect((await postJson(gw, "/auth/logout", {})).status).toBe(204);
    expect((await postJson(gw, "/auth/logout", {}, bearer("abc.def.ghi"))).status).toBe(204);
    expect((await postJson(gw, "/auth/logout", { refresh_token: "garbage" })).status).toBe(204);
  });

  it("logout-all ends every session and refuses older access tokens", async () => {
    const s = await newUser(gw, "all");
    const other = await loginBearer(gw, s.email);
    const res = await postJson(gw, "/auth/logout-all", {}, bearer(s.access));
    expect(res.status).toBe(204);
    for (const token of [s.access, other.access]) {
      expect((await gw.fetch("/auth/me", { headers: bearer(token) })).status).toBe(401);
    }
    expect((await postJson(gw, "/auth/refresh", { refresh_token: other.refresh })).status).toBe(401);
    // A login right after still works.
    const fresh = await loginBearer(gw, s.email);
    expect((await gw.fetch("/auth/me", { headers: bearer(fresh.access) })).status).toBe(200);
    expect((await postJson(gw, "/auth/logout-all", {})).status).toBe(401);
  });

  it("lists sessions with the current one marked, and deletes one", async () => {
    const s = await newUser(gw, "sessions");
    const other = await loginBearer(gw, s.email);
    const list = await gw.fetch("/auth/sessions", { headers: { ...bearer(s.access), "user-agent": "vitest" } });
    expect(list.status).toBe(200);
    const { sessions } = await list.json<{ sessions: { id: string; current: boolean; created_at: string; last_used_at: string; ip_address: string; user_agent: string | null }[] }>();
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((x) => x.current)).toHaveLength(1);
    const victim = sessions.find((x) => !x.current);
    expect(victim?.created_at).toMatch(/Z$/);
    const del = await gw.fetch(`/auth/sessions/${victim?.id}`, { method: "DELETE", headers: bearer(s.access) });
    expect(del.status).toBe(204);
    expect((await gw.fetch("/auth/me", { headers: bearer(other.access) })).status).toBe(401);
    const again = await gw.fetch(`/auth/sessions/${victim?.id}`, { method: "DELETE", headers: bearer(s.access) });
    expect(again.status).toBe(404);
    // Another user's session id is not found either.
    const stranger = await newUser(gw, "stranger");
    const mine = sessions.find((x) => x.current);
    const theirs = await gw.fetch(`/auth/sessions/${mine?.id}`, { method: "DELETE", headers: bearer(stranger.access) });
    expect(theirs.status).toBe(404);
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(200);
  });

  it("answers /auth/me with the User shape and nothing secret", async () => {
    const s = await newUser(gw, "me");
    const res = await gw.fetch("/auth/me", { headers: bearer(s.access) });
    expect(res.headers.get("cache-control")).toBe("no-store");
    const { user } = await res.json<{ user: Record<string, unknown> }>();
    expect(Object.keys(user).sort()).toEqual(["account_status", "created_at", "email", "email_verified", "full_name", "id", "last_login", "roles"]);
    expect(typeof user.id).toBe("string");
    expect(user.roles).toEqual(["user"]);
    const anon = await gw.fetch("/auth/me");
    expect(anon.status).toBe(401);
    expect(anon.headers.get("www-authenticate")).toBe("Bearer");
  });
});

describe("POST /auth/password/change", () => {
  it("changes the password, keeps this session and revokes the others", async () => {
    const s = await newUser(gw, "change");
    const other = await loginBearer(gw, s.email);
    const wrong = await postJson(gw, "/auth/password/change", { current_password: "Nope-Nope-123", new_password: "Brand-New-Pass-7" }, bearer(s.access));
    expect(wrong.status).toBe(401);
    expect((await wrong.json<{ code: string }>()).code).toBe("invalid_credentials");
    const weak = await postJson(gw, "/auth/password/change", { current_password: GOOD_PASSWORD, new_password: "short" }, bearer(s.access));
    expect(weak.status).toBe(422);
    const ok = await postJson(gw, "/auth/password/change", { current_password: GOOD_PASSWORD, new_password: "Brand-New-Pass-7" }, bearer(s.access));
    expect(ok.status).toBe(204);
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(200);
    expect((await gw.fetch("/auth/me", { headers: bearer(other.access) })).status).toBe(401);
    await expect(loginBearer(gw, s.email, "Brand-New-Pass-7")).resolves.toBeDefined();
    await expect(loginBearer(gw, s.email)).rejects.toThrow(/401/);
  });
});

describe("errors", () => {
  it("answers unknown /auth paths with 404 and wrong methods with 405", async () => {
    const res = await gw.fetch("/auth/does-not-exist");
    expect(res.status).toBe(404);
    const wrong = await gw.fetch("/auth/logout");
    expect(wrong.status).toBe(405);
    expect((await wrong.json<{ code: string }>()).code).toBe("method_not_allowed");
  });
});

describe("content types", () => {
  it("reads a body without content-type as JSON and refuses explicit non-JSON types", async () => {
    const email = uniqueEmail("ctype");
    const noType = await gw.fetch("/auth/register", {
      method: "POST",
      headers: { "cf-connecting-ip": "10.123.0.1" },
      body: new TextEncoder().encode(JSON.stringify({ email, password: GOOD_PASSWORD })),
    });
    expect(noType.status).toBe(202);
    const form = await gw.fetch("/auth/register", {
      method: "POST",
      headers: { "cf-connecting-ip": "10.123.0.2", "content-type": "application/x-www-form-urlencoded" },
      body: `email=${encodeURIComponent(uniqueEmail())}&password=${GOOD_PASSWORD}`,
    });
    expect(form.status).toBe(422);
  });
});
