/**
 * `amr` (RFC 8176) end to end in workerd: access-token claims, the per-session
 * column a refresh keeps, `x-auth-amr` and the assertion upstream, and
 * MFA_PATHS refusing a session without MFA before anything reaches the upstream.
 */
import { decodeJwt, jwtVerify, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser, postJson } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const gw = await testGateway({ MFA_PATHS: "/admin/**,/api/secure/*" });
const marker = () => `m${crypto.randomUUID().slice(0, 8)}`;

async function refreshBearer(refresh: string): Promise<{ access: string; refresh: string }> {
  const res = await postJson(gw, "/auth/refresh", { refresh_token: refresh });
  expect(res.status).toBe(200);
  const body = await res.json<{ access_token: string; refresh_token: string }>();
  return { access: body.access_token, refresh: body.refresh_token };
}

/** Marks the session of `access` as MFA in the database, as a second-factor login does. */
async function markSessionMfa(access: string): Promise<void> {
  const sid = decodeJwt(access).sid as string;
  await query(gw.databaseUrl, `UPDATE auth_tokens SET amr = ARRAY['pwd','otp','mfa'] WHERE session_id = $1`, [sid]);
}

describe("amr", () => {
  it("a password login carries amr [pwd]; the session row stores it; a refresh keeps it", async () => {
    const s = await newUser(gw, "amr");
    expect(decodeJwt(s.access).amr).toEqual(["pwd"]);
    const rows = await query<{ amr: string[] }>(gw.databaseUrl, `SELECT amr FROM auth_tokens WHERE session_id = $1`, [
      decodeJwt(s.access).sid,
    ]);
    expect(rows).toEqual([{ amr: ["pwd"] }]);
    const next = await refreshBearer(s.refresh);
    expect(decodeJwt(next.access).amr).toEqual(["pwd"]);
  });

  it("a session's amr is copied to each successor on rotation", async () => {
    const s = await newUser(gw, "amr-copy");
    await markSessionMfa(s.access);
    const first = await refreshBearer(s.refresh);
    expect(decodeJwt(first.access).amr).toEqual(["pwd", "otp", "mfa"]);
    const second = await refreshBearer(first.refresh);
    expect(decodeJwt(second.access).amr).toEqual(["pwd", "otp", "mfa"]);
    const sid = decodeJwt(second.access).sid as string;
    const rows = await query<{ amr: string[] }>(gw.databaseUrl, `SELECT amr FROM auth_tokens WHERE session_id = $1`, [sid]);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("a session row from before the column (amr NULL) reads as [pwd]", async () => {
    const s = await newUser(gw, "amr-null");
    await query(gw.databaseUrl, `UPDATE auth_tokens SET amr = NULL WHERE session_id = $1`, [decodeJwt(s.access).sid]);
    expect(decodeJwt((await refreshBearer(s.refresh)).access).amr).toEqual(["pwd"]);
  });

  it("a token without the claim (issued before amr) is read as [pwd]; a mistyped claim is refused", async () => {
    const s = await newUser(gw, "amr-legacy");
    const header = JSON.parse(atob(s.access.split(".")[0] as string)) as { kid: string };
    const { amr: _dropped, ...legacy } = decodeJwt(s.access);
    const key = new TextEncoder().encode(gw.env.JWT_SECRET);
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: header.kid }).sign(key);
    const m = marker();
    const ok = await gw.fetch(`/api/${m}`, { headers: bearer(await sign(legacy)) });
    expect(ok.status).toBe(200);
    expect((await recordedFor(m))[0]?.headers["x-auth-amr"]).toBe("pwd");
    const bad = await gw.fetch(`/api/${m}`, { headers: bearer(await sign({ ...legacy, amr: "mfa" })) });
    expect(bad.status).toBe(401);
    expect((await bad.json<{ code: string }>()).code).toBe("invalid_token");
  });

  it("MFA_PATHS refuse a session without MFA with 403 mfa_required; nothing reaches the upstream", async () => {
    const s = await newUser(gw, "amr-paths");
    for (const path of ["/admin/users", "/admin/a/b/c", "/api/secure/x", "/api/./secure/x"]) {
      const m = marker();
      const res = await gw.fetch(`${path}?${m}=1`, { headers: bearer(s.access) });
      expect(res.status, path).toBe(403);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect((await res.json<{ code: string }>()).code).toBe("mfa_required");
      expect(await recordedFor(m)).toHaveLength(0);
    }
    // Outside MFA_PATHS the same session passes (one segment only for `*`).
    const m = marker();
    expect((await gw.fetch(`/api/secure/x/y?${m}=1`, { headers: bearer(s.access) })).status).toBe(200);
    expect(await recordedFor(m)).toHaveLength(1);
  });

  it("MFA_PATHS admit an MFA session, with x-auth-amr and amr in the assertion", async () => {
    const s = await newUser(gw, "amr-ok");
    await markSessionMfa(s.access);
    const mfa = await refreshBearer(s.refresh);
    const m = marker();
    const res = await gw.fetch(`/admin/${m}`, { headers: { ...bearer(mfa.access), "x-auth-amr": "forged" } });
    expect(res.status).toBe(200);
    const [seen] = await recordedFor(m);
    expect(seen?.headers["x-auth-amr"]).toBe("pwd,otp,mfa");
    const { payload } = await jwtVerify(seen?.headers["x-auth-assertion"] as string, new TextEncoder().encode(gw.env.UPSTREAM_SECRET), {
      audience: "upstream",
    });
    expect(payload.amr).toEqual(["pwd", "otp", "mfa"]);
  });

  it("MFA_PATHS stay closed to anonymous callers under AUTH_MODE=optional", async () => {
    const optional = await testGateway({ MFA_PATHS: "/admin/**", AUTH_MODE: "optional" }, {}, { databaseUrl: gw.databaseUrl });
    const m = marker();
    const anon = await optional.fetch(`/admin/${m}`);
    expect(anon.status).toBe(401);
    expect((await anon.json<{ code: string }>()).code).toBe("unauthorized");
    expect((await optional.fetch(`/open/${m}`)).status).toBe(200);
    expect(await recordedFor(`/admin/${m}`)).toHaveLength(0);
  });

  it("a bad MFA_PATHS is a named configuration problem", async () => {
    const bad = await testGateway({ MFA_PATHS: "admin/**" }, {}, { databaseUrl: gw.databaseUrl });
    const res = await bad.fetch("/auth/health");
    expect(res.status).toBe(500);
    expect((await res.json<{ detail: string }>()).detail).toContain("MFA_PATHS");
  });
});
