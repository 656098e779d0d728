import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, cookiesOf, newUser, postJson } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const gw = await testGateway({ PUBLIC_PATHS: "/health,/webhooks/twilio/**,/public/**" });
const marker = () => `m${crypto.randomUUID().slice(0, 8)}`;

async function verifyAssertion(token: string): Promise<Record<string, unknown>> {
  const { jwtVerify } = await import("jose");
  const key = new TextEncoder().encode(gw.env.UPSTREAM_SECRET);
  const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], audience: "upstream" });
  return payload as Record<string, unknown>;
}

describe("edge decision", () => {
  it("refuses a protected path without a token: 401, WWW-Authenticate, nothing upstream", async () => {
    const m = marker();
    const res = await gw.fetch(`/api/${m}`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect((await res.json<{ code: string }>()).code).toBe("unauthorized");
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("refuses tampered tokens with invalid_token and never calls the upstream", async () => {
    const s = await newUser(gw, "tamper");
    const [h, p, sig] = s.access.split(".") as [string, string, string];
    const payload = JSON.parse(atob(p.replaceAll("-", "+").replaceAll("_", "/"))) as Record<string, unknown>;
    const edited = btoa(JSON.stringify({ ...payload, roles: ["admin"] })).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const none = `${btoa(JSON.stringify({ alg: "none", typ: "at+jwt" })).replace(/=+$/, "")}.${p}.`;
    const hs512 = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS512", typ: "at+jwt", kid: JSON.parse(atob(h)).kid })
      .sign(new TextEncoder().encode(gw.env.JWT_SECRET));
    const wrongKey = await new SignJWT(payload)
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: JSON.parse(atob(h)).kid })
      .sign(new TextEncoder().encode("x".repeat(64)));
    const m = marker();
    for (const token of [`${h}.${edited}.${sig}`, `${h}.${p}.`, none, hs512, wrongKey, "garbage", "a".repeat(5000)]) {
      const res = await gw.fetch(`/api/${m}`, { headers: bearer(token) });
      expect(res.status, token.slice(0, 30)).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
      expect((await res.json<{ code: string }>()).code).toBe("invalid_token");
    }
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("forwards a valid token with identity headers and a verifiable assertion", async () => {
    const s = await newUser(gw, "forward");
    const m = marker();
    const res = await gw.fetch(`/api/${m}?q=1&x=%20y`, {
      headers: { ...bearer(s.access), "x-request-id": `rid-${m}`, "cf-connecting-ip": "192.0.2.44" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe(`rid-${m}`);
    const [seen] = await recordedFor(m);
    expect(seen?.url).toBe(`/api/${m}?q=1&x=%20y`);
    const h = seen?.headers ?? {};
    expect(h["x-user-email"]).toBe(s.email);
    expect(h["x-user-email-verified"]).toBe("false");
    expect(h["x-user-roles"]).toBe("user");
    expect(h["x-forwarded-for"]).toBe("192.0.2.44");
    expect(h["x-forwarded-proto"]).toBe("https");
    expect(h["x-forwarded-host"]).toBe("gateway.test");
    expect(h["x-request-id"]).toBe(`rid-${m}`);
    expect(h["authorization"]).toBeUndefined();
    const claims = await verifyAssertion(h["x-auth-assertion"] as string);
    expect(claims.sub).toBe(h["x-user-id"]);
    expect(claims.email).toBe(s.email);
    expect(claims.roles).toEqual(["user"]);
    expect((claims.exp as number) - (claims.iat as number)).toBe(60);
    expect(claims.sid).toBe(h["x-auth-session"]);
    expect(h["x-auth-amr"]).toBe("pwd");
    expect(claims.amr).toEqual(["pwd"]);
  });

  it("strips every spoofable header spelling, and connection-listed ones never remove injected headers", async () => {
    const s = await newUser(gw, "spoof");
    const m = marker();
    await gw.fetch(`/api/${m}`, {
      headers: {
        ...bearer(s.access),
        "X-User-Id": "1",
        "x_user_email": "admin@example.com",
        "X-AUTH-ASSERTION": "forged",
        "x-auth-session": "forged",
        "x-auth-amr": "pwd,otp,mfa",
        forwarded: "for=1.1.1.1",
        "x-forwarded-for": "1.1.1.1",
        "x-forwarded-host": "evil.example",
        "x-real-ip": "1.1.1.1",
        "x-original-url": "/admin",
        "x-rewrite-url": "/admin",
        "x-http-method-override": "DELETE",
        connection: "close, x-user-id, x-forwarded-for, x-custom-hop",
        "x-custom-hop": "gone",
        "x-keep": "kept",
        cookie: `__Host-access=${s.access}; __Secure-refresh=zzz; app_pref=dark`,
      },
    });
    const [seen] = await recordedFor(m);
    const h = seen?.headers ?? {};
    expect(h["x-user-id"]).not.toBe("1");
    expect(h["x-user-id"]).toMatch(/^\d+$/);
    expect(h["x-user-email"]).toBe(s.email);
    expect(h["x-auth-assertion"]).not.toBe("forged");
    expect(h["x-auth-amr"]).toBe("pwd");
    expect(h["x-forwarded-for"]).not.toBe("1.1.1.1");
    expect(h["x-forwarded-host"]).toBe("gateway.test");
    for (const name of ["forwarded", "x-real-ip", "x-original-url", "x-rewrite-url", "x-http-method-override", "x-custom-hop"]) {
      expect(h[name], name).toBeUndefined();
    }
    expect(seen?.rawHeaders.filter((x) => /^x[-_]user[-_]email$/i.test(x))).toHaveLength(1);
    expect(h["x-keep"]).toBe("kept");
    expect(h["cookie"]).toBe("app_pref=dark");
  });

  it("proxies public paths anonymously, keeping a Twilio webhook's body, query and signature", async () => {
    const m = marker();
    const body = "From=%2B15551234567&Body=hello";
    const res = await gw.fetch(`/webhooks/twilio/sms?${m}=1`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": "abc123=",
        "x-user-id": "1",
      },
      body,
    });
    expect(res.status).toBe(200);
    const [seen] = await recordedFor(m);
    expect(seen?.body).toBe(body);
    expect(seen?.headers["x-twilio-signature"]).toBe("abc123=");
    expect(seen?.headers["x-user-id"]).toBeUndefined();
    expect(seen?.headers["x-auth-assertion"]).toBeUndefined();
    expect(seen?.headers["x-forwarded-proto"]).toBe("https");
  });

  it("accepts the access cookie, and refuses a cross-site unsafe request made with it", async () => {
    const s = await newUser(gw, "cookieproxy");
    const login = await postJson(gw, "/auth/login", { email: s.email, password: GOOD_PASSWORD });
    const cookie = `__Host-access=${cookiesOf(login).get("__Host-access")?.value}`;
    const m = marker();
    expect((await gw.fetch(`/api/${m}`, { headers: { cookie } })).status).toBe(200);
    const csrf = await gw.fetch(`/api/${m}/write`, { method: "POST", headers: { cookie, origin: "https://evil.example" }, body: "x" });
    expect(csrf.status).toBe(403);
    expect((await csrf.json<{ code: string }>()).code).toBe("csrf_failed");
    const bare = await gw.fetch(`/api/${m}/write2`, { method: "POST", headers: { cookie }, body: "x" });
    expect(bare.status).toBe(403);
    const same = await gw.fetch(`/api/${m}/write3`, { method: "POST", headers: { cookie, origin: "https://gateway.test" }, body: "x" });
    expect(same.status).toBe(200);
    const viaBearer = await gw.fetch(`/api/${m}/write4`, { method: "POST", headers: { ...bearer(s.access), origin: "https://evil.example" }, body: "x" });
    expect(viaBearer.status).toBe(200);
    expect((await recordedFor(`${m}/write`)).map((r) => r.url).sort()).toEqual([`/api/${m}/write3`, `/api/${m}/write4`]);
  });
});

describe("paths", () => {
  it("refuses encoded slashes, backslashes and leftover dot segments with 400 bad_path", async () => {
    const m = marker();
    for (const path of [`/public/%2e%2e%2fapi/${m}`, `/public/..%2fapi/${m}`, `/api/%5c${m}`, `/public/%252e%252e/api/${m}`, `/api/a%2fb/${m}`]) {
      const res = await gw.fetch(path);
      expect(res.status, path).toBe(400);
      expect((await res.json<{ code: string }>()).code).toBe("bad_path");
    }
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("decides on the normalised path and sends it upstream", async () => {
    const m = marker();
    const res = await gw.fetch(`/public//x/./y/../${m}/%7Euser`);
    expect(res.status).toBe(200);
    const [seen] = await recordedFor(m);
    expect(seen?.url).toBe(`/public/x/${m}/~user`);
    const escape = await gw.fetch(`/public/%2e%2e/api/${m}-esc`);
    expect(escape.status).toBe(401);
  });
});

describe("responses and failures", () => {
  it("passes redirects without following them and drops the gateway's cookies and x-user-* from upstream", async () => {
    const s = await newUser(gw, "upcookie");
    const res = await gw.fetch("/__cookie", { headers: bearer(s.access) });
    expect(res.status).toBe(200);
    const names = res.headers.getSetCookie().map((c) => c.split("=")[0]);
    expect(names).toContain("app_session");
    expect(names).not.toContain("__Host-access");
    expect(res.headers.get("x-user-id")).toBeNull();
    const r = await gw.fetch("/__redirect", { headers: bearer(s.access) });
    expect(r.status).toBe(302);
    expect(r.headers.get("location")).toBe("/elsewhere");
  });

  it("answers 504 past UPSTREAM_TIMEOUT_MS and 502 when the upstream is unreachable, once each", async () => {
    const slow = await testGateway({ UPSTREAM_TIMEOUT_MS: "200", PUBLIC_PATHS: "/**" }, {}, { databaseUrl: gw.databaseUrl });
    const m = marker();
    const res = await slow.fetch(`/__slow?ms=1500&${m}`, { method: "POST", body: "once" });
    expect(res.status).toBe(504);
    expect((await res.json<{ code: string }>()).code).toBe("upstream_timeout");
    expect(await recordedFor(m)).toHaveLength(1);
    const down = await testGateway({ UPSTREAM_URL: "http://127.0.0.1:1", PUBLIC_PATHS: "/**" }, {}, { databaseUrl: gw.databaseUrl });
    const res2 = await down.fetch("/anything");
    expect(res2.status).toBe(502);
    expect((await res2.json<{ code: string }>()).code).toBe("upstream_unavailable");
  });

  it("forwards token-less requests anonymously in AUTH_MODE=optional but still refuses bad tokens", async () => {
    const opt = await testGateway({ AUTH_MODE: "optional" }, {}, { databaseUrl: gw.databaseUrl });
    const m = marker();
    expect((await opt.fetch(`/api/${m}`, { headers: { "x-user-id": "7" } })).status).toBe(200);
    const [seen] = await recordedFor(m);
    expect(seen?.headers["x-user-id"]).toBeUndefined();
    expect((await opt.fetch(`/api/${m}`, { headers: bearer("bad.token.here") })).status).toBe(401);
  });

  it("redirects browser navigations to LOGIN_URL with a same-origin next only", async () => {
    const nav = await testGateway({ LOGIN_URL: "/login" }, {}, { databaseUrl: gw.databaseUrl });
    const res = await nav.fetch("/dashboard?tab=2", { headers: { accept: "text/html" } });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/login?next=${encodeURIComponent("/dashboard?tab=2")}`);
    const api = await nav.fetch("/dashboard", { headers: { accept: "application/json" } });
    expect(api.status).toBe(401);
  });

  it("fails closed with 503 when KV cannot be read, forwarding nothing", async () => {
    const s = await newUser(gw, "kvdown");
    const broken = await testGateway(
      {},
      {
        revocations: {
          isRevoked: async () => {
            const { DependencyError } = await import("../../src/errors");
            throw new DependencyError("kv");
          },
          revokeToken: async () => {},
          revokeSessions: async () => {},
          revokeUserBefore: async () => {},
          ping: async () => {},
        },
      },
      { databaseUrl: gw.databaseUrl },
    );
    const m = marker();
    const res = await broken.fetch(`/api/${m}`, { headers: bearer(s.access) });
    expect(res.status).toBe(503);
    expect((await res.json<{ code: string }>()).code).toBe("service_unavailable");
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("keeps proxying valid tokens when Postgres is down", async () => {
    const s = await newUser(gw, "pgdown");
    const noDb = await testGateway({ DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/none" }, {}, { databaseUrl: "postgres://postgres:postgres@127.0.0.1:1/none" });
    const m = marker();
    expect((await noDb.fetch(`/api/${m}`, { headers: bearer(s.access) })).status).toBe(200);
    const login = await postJson(noDb, "/auth/login", { email: s.email, password: GOOD_PASSWORD, transport: "bearer" });
    expect(login.status).toBe(503);
  });
});
