import { describe, expect, it } from "vitest";
import { adminGet, adminSend, adminTestbed, mintLike, newAdmin, problemCode, setRoles, userId, type Problem } from "../helpers/admin";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, ORIGIN, bearer, cookiesOf, loginBearer, newUser, nextIp, postJson } from "../helpers/http";

type Json = Record<string, unknown>;
const { gw, admin } = await adminTestbed();

async function eventsOf(userIdValue: string): Promise<Json[]> {
  await gw.settle();
  const res = await adminGet(gw, `/auth/admin/events?user_id=${userIdValue}`, admin.access);
  return (await res.json<{ events: Json[] }>()).events;
}

describe("who may call the admin API", () => {
  it("needs a token (401), the admin role (403 forbidden)", async () => {
    expect((await gw.fetch("/auth/admin/users")).status).toBe(401);
    const user = await newUser(gw, "plain");
    const res = await adminGet(gw, "/auth/admin/users", user.access);
    expect(res.status).toBe(403);
    expect(await problemCode(res)).toBe("forbidden");
    const patch = await adminSend(gw, "PATCH", `/auth/admin/users/${admin.id}`, user.access, { roles: ["user"] });
    expect(await problemCode(patch)).toBe("forbidden");
  });

  it("needs an MFA session unless ADMIN_REQUIRE_MFA=false (missing amr = no MFA)", async () => {
    const strict = await testGateway({}, {}, { databaseUrl: gw.databaseUrl });
    const a = await newAdmin(strict);
    const noAmr = await adminGet(strict, "/auth/admin/users", a.access);
    expect(noAmr.status).toBe(403);
    expect(await problemCode(noAmr)).toBe("mfa_required");
    const pwdOnly = await adminGet(strict, "/auth/admin/users", await mintLike(strict, a.access, { amr: ["pwd"] }));
    expect(await problemCode(pwdOnly)).toBe("mfa_required");
    const mfa = await adminGet(strict, "/auth/admin/users", await mintLike(strict, a.access, { amr: ["pwd", "otp", "mfa"] }));
    expect(mfa.status).toBe(200);
    // A user without the admin role is forbidden whatever its amr.
    const u = await newUser(strict, "mfa-user");
    const res = await adminGet(strict, "/auth/admin/users", await mintLike(strict, u.access, { amr: ["hwk", "mfa"] }));
    expect(await problemCode(res)).toBe("forbidden");
  });

  it("applies CSRF to cookie-authenticated changes, and nothing changes on a refusal", async () => {
    const a = await newAdmin(gw);
    const login = await postJson(gw, "/auth/login", { email: a.email, password: GOOD_PASSWORD });
    const access = cookiesOf(login).get("__Host-access")?.value ?? "";
    const target = await newUser(gw, "csrf-target");
    const id = await userId(gw, target.email);
    const send = (headers: Record<string, string>) =>
      gw.fetch(`/auth/admin/users/${id}`, {
        method: "PATCH",
        headers: { cookie: `__Host-access=${access}`, "content-type": "application/json", ...headers },
        body: JSON.stringify({ roles: ["user", "editor"] }),
      });
    const refused: Record<string, string>[] = [{}, { origin: "https://evil.example" }, { "sec-fetch-site": "cross-site" }];
    for (const headers of refused) {
      const res = await send(headers);
      expect(res.status).toBe(403);
      expect(await problemCode(res)).toBe("csrf_failed");
    }
    const rows = await query<{ roles: string[] }>(gw.databaseUrl, "SELECT roles FROM users WHERE id = $1", [id]);
    expect(rows[0]?.roles).toEqual(["user"]);
    const ok = await send({ origin: ORIGIN });
    expect(ok.status).toBe(200);
    // A cookie-authenticated GET needs no Origin.
    expect((await gw.fetch("/auth/admin/users?limit=1", { headers: { cookie: `__Host-access=${access}` } })).status).toBe(200);
  });

  it("holds each admin to RATE_LIMIT_ADMIN", async () => {
    const limited = await testGateway({ ADMIN_REQUIRE_MFA: "false", RATE_LIMIT_ADMIN: "2/1m" }, {}, { databaseUrl: gw.databaseUrl });
    const a = await newAdmin(limited);
    expect((await adminGet(limited, "/auth/admin/users?limit=1", a.access)).status).toBe(200);
    const second = await adminGet(limited, "/auth/admin/users?limit=1", a.access);
    expect(second.headers.get("ratelimit-remaining")).toBe("0");
    const third = await adminGet(limited, "/auth/admin/users?limit=1", a.access);
    expect(third.status).toBe(429);
    expect(third.headers.get("retry-after")).not.toBeNull();
  });
});

describe("GET /auth/admin/users", () => {
  it("pages every user in id order with an opaque cursor", async () => {
    const tag = `pg${crypto.randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 5; i++) await postJson(gw, "/auth/register", { email: `${tag}-${i}@example.com`, password: GOOD_PASSWORD });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/auth/admin/users?q=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
      const res = await adminGet(gw, url, admin.access);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = await res.json<{ users: Json[]; next_cursor: string | null }>();
      expect(body.users.length).toBeLessThanOrEqual(2);
      seen.push(...body.users.map((u) => u.email as string));
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `${tag}-${i}@example.com`));
  });

  it("returns AdminUser: User plus counters, updated_at and MFA state, never a hash", async () => {
    const res = await adminGet(gw, `/auth/admin/users?q=${encodeURIComponent(admin.email)}`, admin.access);
    const { users, next_cursor } = await res.json<{ users: Json[]; next_cursor: null }>();
    expect(next_cursor).toBeNull();
    expect(users).toHaveLength(1);
    const u = users[0] as Json;
    expect(Object.keys(u).sort()).toEqual(
      ["id", "email", "full_name", "email_verified", "account_status", "roles", "created_at", "last_login", "failed_login_attempts", "locked_until", "updated_at", "mfa"].sort(),
    );
    expect(u.id).toBe(admin.id);
    expect(u.roles).toEqual(["user", "admin"]);
    expect(u.mfa).toEqual({ totp: false, passkeys: 0 });
    expect(JSON.stringify(users)).not.toContain("$2");
  });

  it("searches a case-insensitive substring of the email or the name; wildcards are literal", async () => {
    const tag = `Srch${crypto.randomUUID().slice(0, 6)}`;
    await postJson(gw, "/auth/register", { email: `a-${tag.toLowerCase()}@example.com`, password: GOOD_PASSWORD });
    await postJson(gw, "/auth/register", { email: `zz-${crypto.randomUUID().slice(0, 6)}@example.com`, password: GOOD_PASSWORD, full_name: `Grace ${tag} Hopper` });
    await postJson(gw, "/auth/register", { email: `pct-${crypto.randomUUID().slice(0, 6)}@example.com`, password: GOOD_PASSWORD, full_name: "100% sure_thing" });
    const find = async (q: string) => {
      const res = await adminGet(gw, `/auth/admin/users?q=${encodeURIComponent(q)}`, admin.access);
      expect(res.status).toBe(200);
      return (await res.json<{ users: Json[] }>()).users;
    };
    const both = await find(tag.toUpperCase());
    expect(both).toHaveLength(2);
    expect(both.map((u) => u.full_name)).toContain(`Grace ${tag} Hopper`);
    expect((await find("100% sure_")).map((u) => u.full_name)).toEqual(["100% sure_thing"]);
    expect(await find("0%_s")).toHaveLength(0);
    expect((await find("%")).length).toBe(1);
  });

  it("refuses a bad limit, unknown or repeated parameters, a forged or foreign cursor (422)", async () => {
    const bad = [
      "limit=0",
      "limit=101",
      "limit=abc",
      "limit=1.5",
      "limit=-1",
      "search=x",
      "q=a&q=b",
      "cursor=abc",
      `q=${"x".repeat(201)}`,
    ];
    for (const qs of bad) {
      const res = await adminGet(gw, `/auth/admin/users?${qs}`, admin.access);
      expect(res.status, qs).toBe(422);
      expect(await problemCode(res)).toBe("validation_failed");
    }
    expect((await adminGet(gw, "/auth/admin/users?limit=1", admin.access)).status).toBe(200);
    expect((await adminGet(gw, "/auth/admin/users?limit=100", admin.access)).status).toBe(200);
    const first = await (await adminGet(gw, "/auth/admin/users?limit=1", admin.access)).json<{ next_cursor: string }>();
    const [id, mac] = first.next_cursor.split(".") as [string, string];
    const forged = `${Number(id) + 1}.${mac}`;
    const eventsPage = await (await adminGet(gw, "/auth/admin/events?limit=1", admin.access)).json<{ next_cursor: string }>();
    for (const cursor of [forged, `${id}.${"A".repeat(43)}`, eventsPage.next_cursor]) {
      const res = await adminGet(gw, `/auth/admin/users?limit=1&cursor=${encodeURIComponent(cursor)}`, admin.access);
      expect(res.status, cursor).toBe(422);
      expect((await res.json<Problem>()).errors?.[0]?.field).toBe("cursor");
    }
    // A cursor of one search is foreign to another.
    const foreign = await adminGet(gw, `/auth/admin/users?q=zz&limit=1&cursor=${encodeURIComponent(first.next_cursor)}`, admin.access);
    expect(foreign.status).toBe(422);
    const own = await adminGet(gw, `/auth/admin/users?limit=1&cursor=${encodeURIComponent(first.next_cursor)}`, admin.access);
    expect(own.status).toBe(200);
  });
});

describe("GET /auth/admin/users/{id}", () => {
  it("shows the user with live sessions and MFA state", async () => {
    const u = await newUser(gw, "one");
    await loginBearer(gw, u.email);
    const id = await userId(gw, u.email);
    const res = await adminGet(gw, `/auth/admin/users/${id}`, admin.access);
    expect(res.status).toBe(200);
    const body = await res.json<{ user: Json; sessions: Json[] }>();
    expect(body.user.email).toBe(u.email);
    expect(body.user.mfa).toEqual({ totp: false, passkeys: 0 });
    expect(body.sessions).toHaveLength(2);
    expect(Object.keys(body.sessions[0] as Json).sort()).toEqual(["created_at", "id", "ip_address", "last_used_at", "user_agent"]);
  });

  it("answers 404 not_found for an unknown id, malformed ones included (ids are opaque strings to a client)", async () => {
    const missing = await adminGet(gw, "/auth/admin/users/999999999999", admin.access);
    expect(missing.status).toBe(404);
    expect(await problemCode(missing)).toBe("not_found");
    for (const id of ["abc", "0", "-1", "1e3", "01", "99999999999999999999", "00000000-0000-0000-0000-000000000000"]) {
      const res = await adminGet(gw, `/auth/admin/users/${id}`, admin.access);
      expect(res.status, id).toBe(404);
      expect(await problemCode(res), id).toBe("not_found");
      for (const action of ["logout", "unlock", "password-reset"]) {
        expect((await adminSend(gw, "POST", `/auth/admin/users/${id}/${action}`, admin.access)).status, `${action} ${id}`).toBe(404);
      }
      expect((await adminSend(gw, "DELETE", `/auth/admin/users/${id}/mfa`, admin.access)).status, `mfa ${id}`).toBe(404);
    }
  });

  it("405s a wrong method and 404s an unknown admin path", async () => {
    const wrong = await adminSend(gw, "DELETE", `/auth/admin/users/${admin.id}`, admin.access);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("PATCH");
    expect((await adminGet(gw, "/auth/admin/nope", admin.access)).status).toBe(404);
  });
});
