import { describe, expect, it } from "vitest";
import { newAdmin, setRoles } from "../helpers/admin";
import { testGateway } from "../helpers/gateway";
import { bearer, loginBearer, newUser } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const RULES = "/api/admin/**=admin;/api/reports/*=admin|analyst;/api/reports/**=nobody-has-this";
const gw = await testGateway({ ROLE_RULES: RULES, PUBLIC_PATHS: "/health,/api/admin/status" });
const marker = () => `m${crypto.randomUUID().slice(0, 8)}`;

async function problem(res: Response): Promise<string> {
  return (await res.json<{ code: string }>()).code;
}

describe("ROLE_RULES at the edge", () => {
  it("refuses a token without the rule's roles with 403 forbidden, the upstream never called", async () => {
    const user = await newUser(gw, "norole");
    const m = marker();
    for (const path of [`/api/admin/${m}`, `/api/admin/x/${m}`, `/api/reports/${m}`, `/api//admin/./${m}`]) {
      const res = await gw.fetch(path, { headers: bearer(user.access) });
      expect(res.status, path).toBe(403);
      expect(await problem(res)).toBe("forbidden");
    }
    const post = await gw.fetch(`/api/admin/${m}`, { method: "POST", headers: bearer(user.access), body: "x" });
    expect(post.status).toBe(403);
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("forwards a token holding one of the rule's roles", async () => {
    const admin = await newAdmin(gw, ["user", "admin"]);
    const analyst = await newAdmin(gw, ["analyst"], "analyst");
    const m = marker();
    expect((await gw.fetch(`/api/admin/${m}`, { headers: bearer(admin.access) })).status).toBe(200);
    expect((await gw.fetch(`/api/reports/${m}`, { headers: bearer(analyst.access) })).status).toBe(200);
    expect((await gw.fetch(`/api/admin/${m}`, { headers: bearer(analyst.access) })).status).toBe(403);
    // First match wins: /api/reports/a/b matches only the third rule.
    expect((await gw.fetch(`/api/reports/a/${m}`, { headers: bearer(admin.access) })).status).toBe(403);
    const seen = await recordedFor(m);
    expect(seen.map((r) => r.url)).toEqual([`/api/admin/${m}`, `/api/reports/${m}`]);
    expect(seen[0]?.headers["x-user-roles"]).toBe("user,admin");
  });

  it("leaves unruled paths to any valid token and public paths to anyone", async () => {
    const user = await newUser(gw, "free");
    const m = marker();
    expect((await gw.fetch(`/api/${m}`, { headers: bearer(user.access) })).status).toBe(200);
    expect((await gw.fetch(`/api/admin/status?m=${m}`)).status).toBe(200);
    expect(await recordedFor(m)).toHaveLength(2);
  });

  it("checks authentication first: no token is 401, a bad one 401 invalid_token", async () => {
    const m = marker();
    const none = await gw.fetch(`/api/admin/${m}`);
    expect(none.status).toBe(401);
    expect((await gw.fetch(`/api/admin/${m}`, { headers: bearer("nope") })).status).toBe(401);
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("in AUTH_MODE=optional, a ruled path still needs a token", async () => {
    const optional = await testGateway({ ROLE_RULES: RULES, AUTH_MODE: "optional" }, {}, { databaseUrl: gw.databaseUrl });
    const m = marker();
    const res = await optional.fetch(`/api/admin/${m}`);
    expect(res.status).toBe(401);
    expect(await problem(res)).toBe("unauthorized");
    expect((await optional.fetch(`/api/open/${m}`)).status).toBe(200);
    expect((await recordedFor(m)).map((r) => r.url)).toEqual([`/api/open/${m}`]);
  });

  it("a role granted by an admin applies from the next refresh", async () => {
    const u = await newUser(gw, "granted");
    const m = marker();
    expect((await gw.fetch(`/api/admin/${m}`, { headers: bearer(u.access) })).status).toBe(403);
    await setRoles(gw, u.email, ["user", "admin"]);
    const s = await loginBearer(gw, u.email);
    expect((await gw.fetch(`/api/admin/${m}`, { headers: bearer(s.access) })).status).toBe(200);
  });

  it("a bad rule stops the gateway with a problem naming it", async () => {
    const bad = await testGateway({ ROLE_RULES: "/api/admin/**=Admin" }, {}, { databaseUrl: gw.databaseUrl });
    const res = await bad.fetch("/api/x");
    expect(res.status).toBe(500);
    expect((await res.json<{ detail: string }>()).detail).toContain("ROLE_RULES rule 1");
  });
});
