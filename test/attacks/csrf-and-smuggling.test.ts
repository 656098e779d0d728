// CSRF variants on /auth and proxied paths, header and path smuggling against
// the proxy, and open redirects through `next`.
import { describe, expect, it } from "vitest";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, cookiesOf, newUser, postJson } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const gw = await testGateway({ ALLOWED_ORIGINS: "https://app.example.com", LOGIN_URL: "/login", RATE_LIMIT_LOGIN: "1000/1m" });
const user = await newUser(gw, "csrf");
const login = await postJson(gw, "/auth/login", { email: user.email, password: GOOD_PASSWORD });
const jar = cookiesOf(login);
const cookie = `__Host-access=${jar.get("__Host-access")?.value}; __Secure-refresh=${jar.get("__Secure-refresh")?.value}`;
const marker = () => `x${crypto.randomUUID().slice(0, 8)}`;

describe("CSRF", () => {
  const hostile: Array<[string, Record<string, string>]> = [
    ["no Origin, no Sec-Fetch-Site", {}],
    ["Origin: null", { origin: "null" }],
    ["foreign Origin", { origin: "https://evil.example" }],
    ["look-alike Origin", { origin: "https://gateway.test.evil.example" }],
    ["scheme-downgraded Origin", { origin: "http://gateway.test" }],
    ["Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
    ["trusted Origin but cross-site fetch metadata", { origin: "https://gateway.test", "sec-fetch-site": "cross-site" }],
  ];

  it.each(hostile)("refuses a cookie-authenticated proxied POST with %s", async (_name, headers) => {
    const m = marker();
    for (const [type, body] of [
      ["text/plain", "a=1"],
      ["application/x-www-form-urlencoded", "a=1"],
      ["application/json", "{}"],
    ] as const) {
      const res = await gw.fetch(`/api/${m}`, { method: "POST", headers: { cookie, "content-type": type, ...headers }, body });
      expect(res.status).toBe(403);
      expect((await res.json<{ code: string }>()).code).toBe("csrf_failed");
    }
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it.each(hostile)("refuses a cookie login (login CSRF) with %s", async (_name, headers) => {
    const res = await gw.fetch("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "10.9.9.9", ...headers },
      body: JSON.stringify({ email: user.email, password: GOOD_PASSWORD }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it.each(hostile)("refuses cookie refresh, logout, logout-all and password change with %s", async (_name, headers) => {
    for (const path of ["/auth/refresh", "/auth/logout", "/auth/logout-all", "/auth/password/change"]) {
      const res = await gw.fetch(path, {
        method: "POST",
        headers: { cookie, "content-type": "application/json", ...headers },
        body: path.endsWith("change") ? JSON.stringify({ current_password: GOOD_PASSWORD, new_password: "Whatever-Pass-9" }) : undefined,
      });
      expect(res.status, path).toBe(403);
    }
    expect((await gw.fetch("/auth/me", { headers: { cookie } })).status).toBe(200);
  });

  it("allows an ALLOWED_ORIGINS origin and answers CORS for it only, never with a wildcard", async () => {
    const m = marker();
    const ok = await gw.fetch(`/api/${m}`, { method: "POST", headers: { cookie, origin: "https://app.example.com" }, body: "x" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    const preflight = await gw.fetch("/auth/login", {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    const foreign = await gw.fetch("/auth/login", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    const anyOrigin = await gw.fetch("/auth/health", { headers: { origin: "https://evil.example" } });
    expect(anyOrigin.headers.get("access-control-allow-origin")).toBeNull();
  });

  it.each(hostile)("refuses a cookie-authenticated WebSocket upgrade (cross-site WebSocket hijacking) with %s", async (_name, headers) => {
    const m = marker();
    const res = await gw.fetch(`/ws/${m}`, {
      headers: { cookie, upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", ...headers },
    });
    expect(res.status).toBe(403);
    expect((await res.json<{ code: string }>()).code).toBe("csrf_failed");
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("lets a same-origin cookie WebSocket upgrade, and a bearer one from anywhere, through to the app", async () => {
    const ws = { upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==" };
    for (const headers of [
      { cookie, origin: "https://gateway.test", ...ws },
      { cookie, origin: "https://app.example.com", ...ws },
      { authorization: `Bearer ${user.access}`, origin: "https://evil.example", ...ws },
    ]) {
      const m = marker();
      const res = await gw.fetch(`/ws/${m}`, { headers });
      expect(res.status).not.toBe(403);
      expect(await recordedFor(m)).toHaveLength(1);
    }
  });

  it("drops the app's own access-control-* headers: CORS is the gateway's alone", async () => {
    for (const origin of ["https://evil.example", undefined]) {
      const res = await gw.fetch("/__cors", { headers: { authorization: `Bearer ${user.access}`, ...(origin ? { origin } : {}) } });
      expect(res.status).toBe(200);
      for (const name of ["access-control-allow-origin", "access-control-allow-credentials", "access-control-expose-headers", "access-control-allow-methods"]) {
        expect(res.headers.get(name), name).toBeNull();
      }
    }
    const allowed = await gw.fetch("/__cors", { headers: { authorization: `Bearer ${user.access}`, origin: "https://app.example.com" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    expect(allowed.headers.get("access-control-allow-credentials")).toBe("true");
    expect(allowed.headers.get("access-control-expose-headers")).toBeNull();
    expect(allowed.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("exempts bearer-authenticated requests", async () => {
    const res = await gw.fetch("/auth/logout-all", {
      method: "POST",
      headers: { authorization: `Bearer ${(await newUser(gw, "exempt")).access}`, origin: "https://evil.example" },
    });
    expect(res.status).toBe(204);
  });
});

describe("header smuggling", () => {
  it("never forwards a client's identity or forwarding headers in any spelling", async () => {
    const m = marker();
    const names = [
      "X-User-Id",
      "x-user-id",
      "X_USER_ID",
      "x_user_id",
      "X-User_Roles",
      "x-auth-assertion",
      "X_Auth_Session",
      "X-Forwarded-For",
      "X-Forwarded-Host",
      "X-Forwarded-Proto",
      "X_Forwarded_For",
      "Forwarded",
      "X-Real-IP",
      "X-Original-URL",
      "X-Rewrite-URL",
      "X-HTTP-Method-Override",
    ];
    const headers: Record<string, string> = { authorization: `Bearer ${user.access}`, connection: "keep-alive, X-User-Email, x-forwarded-proto" };
    for (const n of names) headers[n] = "forged";
    await gw.fetch(`/api/${m}`, { headers });
    const [seen] = await recordedFor(m);
    const raw = seen?.rawHeaders ?? [];
    for (let i = 0; i < raw.length; i += 2) expect(raw[i + 1], raw[i]).not.toBe("forged");
    expect(seen?.headers["x-user-email"]).toBe(user.email);
    expect(seen?.headers["x-forwarded-proto"]).toBe("https");
  });

  it("drops the gateway's cookies whatever their case, but keeps every other cookie", async () => {
    const m = marker();
    await gw.fetch(`/api/${m}`, { headers: { cookie: `${cookie}; ACCESS=x; __host-access=y; theme=dark` } });
    const [seen] = await recordedFor(m);
    // `ACCESS` is not one of this gateway's names here (they are __Host-access, __Secure-refresh).
    expect(seen?.headers.cookie).toBe("ACCESS=x; theme=dark");
  });
});

describe("open redirects", () => {
  const evil = ["//evil.example/", "/\\evil.example", "https://evil.example", "/%2F%2Fevil.example", "/%5Cevil.example", "javascript:alert(1)"];

  it.each(evil)("never redirects a browser to %s", async (next) => {
    const res = await gw.fetch(`/${next.replace(/^\//, "")}`, { headers: { accept: "text/html" } });
    if (res.status === 302) {
      const location = res.headers.get("location") ?? "";
      expect(location.startsWith("/login")).toBe(true);
      const target = new URL(location, "https://gateway.test").searchParams.get("next");
      if (target !== null) {
        expect(target.startsWith("/")).toBe(true);
        expect(target.startsWith("//")).toBe(false);
        expect(target).not.toMatch(/^\/[\\/]|%2f|%5c/i);
        expect(new URL(target, "https://gateway.test").origin).toBe("https://gateway.test");
      }
    } else {
      expect([400, 401]).toContain(res.status);
    }
  });
});
