import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { PasswordHasher } from "../../src/auth/passwords";
import { durableRateLimiter } from "../../src/ratelimit/limiter";
import type { RateLimiterObject } from "../../src/ratelimit/object";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson, register, uniqueEmail } from "../helpers/http";

function countingHasher() {
  const counter = { verifies: 0 };
  const wrap = (real: PasswordHasher): PasswordHasher => ({
    hash: (p) => real.hash(p),
    verify: (p, s) => {
      counter.verifies += 1;
      return real.verify(p, s);
    },
  });
  return { counter, wrap };
}

function login(gw: Awaited<ReturnType<typeof testGateway>>, ip: string, email: string, password: string) {
  return gw.fetch("/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": ip },
    body: JSON.stringify({ email, password, transport: "bearer" }),
  });
}

describe("login rate limit (5 / 15 min / IP)", () => {
  it("admits exactly 5 of 200 parallel logins from one IP and hashes at most 5 times", async () => {
    const { counter, wrap } = countingHasher();
    const gw = await testGateway({}, { passwords: wrap });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => login(gw, "198.51.100.7", uniqueEmail("flood"), "Wrong-Pass-123")),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(195);
    expect(counter.verifies).toBeLessThanOrEqual(5);
    const refused = results.find((r) => r.status === 429);
    expect(refused?.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(refused?.headers.get("ratelimit-limit")).toBe("5");
    expect(refused?.headers.get("ratelimit-remaining")).toBe("0");
    expect((await refused?.json<{ code: string }>())?.code).toBe("rate_limited");
  });

  it("slides the window with the injected clock, and keeps IPs independent", async () => {
    let now = Date.UTC(2026, 0, 1);
    const gw = await testGateway({}, { now: () => now });
    const ip = "198.51.100.8";
    for (let i = 0; i < 5; i++) {
      const res = await login(gw, ip, "nobody@example.com", "Wrong-Pass-123");
      expect(res.status).toBe(401);
      expect(res.headers.get("ratelimit-remaining")).toBe(String(4 - i));
      expect(res.headers.get("ratelimit-reset")).toBe(String(15 * 60 - i));
      now += 1000;
    }
    expect((await login(gw, ip, "nobody@example.com", "x")).status).toBe(429);
    expect((await login(gw, "198.51.100.9", "nobody@example.com", "Wrong-Pass-123")).status).toBe(401);
    now = Date.UTC(2026, 0, 1) + 15 * 60 * 1000 + 1; // the first hit has left the window
    expect((await login(gw, ip, "nobody@example.com", "Wrong-Pass-123")).status).toBe(401);
    expect((await login(gw, ip, "nobody@example.com", "Wrong-Pass-123")).status).toBe(429);
  });

  it("groups IPv6 clients by /64", async () => {
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "2/15m" });
    expect((await login(gw, "2001:db8:1:2::1", "a@example.com", "Wrong-Pass-123")).status).toBe(401);
    expect((await login(gw, "2001:db8:1:2:ffff::9", "a@example.com", "Wrong-Pass-123")).status).toBe(401);
    expect((await login(gw, "2001:db8:1:2:abcd:1:2:3", "a@example.com", "Wrong-Pass-123")).status).toBe(429);
    expect((await login(gw, "2001:db8:1:3::1", "a@example.com", "Wrong-Pass-123")).status).toBe(401);
  });

  it("never trusts X-Forwarded-For, X-Real-IP or True-Client-IP", async () => {
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1/15m" });
    const send = (h: Record<string, string>) =>
      gw.fetch("/auth/login", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.50", ...h },
        body: JSON.stringify({ email: "a@example.com", password: "Wrong-Pass-123", transport: "bearer" }),
      });
    expect((await send({})).status).toBe(401);
    const spoofs: Record<string, string>[] = [{ "x-forwarded-for": "1.2.3.4" }, { "x-real-ip": "1.2.3.5" }, { "true-client-ip": "1.2.3.6" }];
    for (const h of spoofs) {
      expect((await send(h)).status).toBe(429);
    }
  });
});

describe("registration and refresh limits", () => {
  it("admits 3 registrations an hour per IP", async () => {
    const gw = await testGateway();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await gw.fetch("/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": "198.51.100.20" },
        body: JSON.stringify({ email: uniqueEmail("r"), password: GOOD_PASSWORD }),
      });
      statuses.push(res.status);
      expect(res.headers.get("ratelimit-limit")).toBe("3");
    }
    expect(statuses).toEqual([202, 202, 202, 429]);
  });

  it("admits 10 refreshes an hour per user", async () => {
    const gw = await testGateway();
    let s = await newUser(gw, "refresher");
    for (let i = 0; i < 10; i++) {
      const res = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
      expect(res.status).toBe(200);
      const b = await res.json<{ refresh_token: string; access_token: string }>();
      s = { ...s, refresh: b.refresh_token, access: b.access_token };
    }
    const over = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
    expect(over.status).toBe(429);
    // Another user is unaffected.
    const other = await newUser(gw, "other");
    expect((await postJson(gw, "/auth/refresh", { refresh_token: other.refresh })).status).toBe(200);
  });
});

describe("account lockout", () => {
  it("locks a known email after 10 failures in a row; even the right password gets 429 until it ends", async () => {
    let now = Date.UTC(2026, 1, 1);
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" }, { now: () => now });
    const email = uniqueEmail("lock");
    await register(gw, email);
    for (let i = 0; i < 10; i++) {
      expect((await login(gw, `203.0.113.${i}`, email, "Wrong-Pass-123")).status).toBe(401);
    }
    const locked = await login(gw, "203.0.113.99", email, GOOD_PASSWORD);
    expect(locked.status).toBe(429);
    expect((await locked.json<{ code: string }>()).code).toBe("account_locked");
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    await gw.settle();
    const row = (await query<{ failed_login_attempts: number; locked_until: string | null }>(gw.databaseUrl, "SELECT failed_login_attempts, locked_until FROM users WHERE email = $1", [email]))[0];
    expect(row?.failed_login_attempts).toBe(10);
    expect(row?.locked_until).not.toBeNull();
    now += 15 * 60 * 1000 + 1000;
    expect((await login(gw, "203.0.113.100", email, GOOD_PASSWORD)).status).toBe(200);
  });

  it("locks an unknown email the same way, revealing nothing", async () => {
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" });
    const email = uniqueEmail("ghost");
    for (let i = 0; i < 10; i++) expect((await login(gw, `203.0.114.${i}`, email, "Wrong-Pass-123")).status).toBe(401);
    const res = await login(gw, "203.0.114.99", email, "Wrong-Pass-123");
    expect(res.status).toBe(429);
    expect((await res.json<{ code: string }>()).code).toBe("account_locked");
  });

  it("resets the count on success", async () => {
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" });
    const email = uniqueEmail("reset");
    await register(gw, email);
    for (let i = 0; i < 9; i++) await login(gw, `203.0.115.${i}`, email, "Wrong-Pass-123");
    await loginBearer(gw, email);
    for (let i = 0; i < 9; i++) expect((await login(gw, `203.0.115.${50 + i}`, email, "Wrong-Pass-123")).status).toBe(401);
    expect((await login(gw, "203.0.115.99", email, GOOD_PASSWORD)).status).toBe(200);
  });
});

/** A hasher whose verifications wait for `open()`: checks stay in flight as long as a test wants. */
function gatedHasher() {
  const counter = { verifies: 0 };
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const wrap = (real: PasswordHasher): PasswordHasher => ({
    hash: (p) => real.hash(p),
    verify: async (p, s) => {
      counter.verifies += 1;
      await gate;
      return real.verify(p, s);
    },
  });
  return { counter, wrap, open };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe("exact lockout (the check is reserved before the hash, settled after)", () => {
  it("30 wrong passwords for one email at once from 30 IPs: exactly 10 hashes, 10 × 401, 20 × 429 account_locked", async () => {
    const { counter, wrap } = countingHasher();
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" }, { passwords: wrap });
    const email = uniqueEmail("burst");
    await register(gw, email);
    const base = counter.verifies;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => login(gw, `203.0.120.${i}`, email, "Wrong-Pass-123")));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    expect(counter.verifies - base).toBe(10);
    const refused = results.find((r) => r.status === 429);
    expect((await refused?.json<{ code: string }>())?.code).toBe("account_locked");
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
    // The burst locked the email: the right password is refused too.
    expect((await login(gw, "203.0.120.99", email, GOOD_PASSWORD)).status).toBe(429);
    expect(counter.verifies - base).toBe(10);
  });

  it("the same for an unknown email", async () => {
    const { counter, wrap } = countingHasher();
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" }, { passwords: wrap });
    const email = uniqueEmail("ghostburst");
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => login(gw, `203.0.121.${i}`, email, "Wrong-Pass-123")));
    expect(results.filter((r) => r.status === 401)).toHaveLength(10);
    expect(counter.verifies).toBe(10);
  });

  it("the right password arriving while 10 wrong ones are being hashed gets 429, and stays refused once they fail", async () => {
    const gated = gatedHasher();
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" }, { passwords: gated.wrap });
    const email = uniqueEmail("inflight");
    await register(gw, email);
    const wrong = Array.from({ length: 10 }, (_, i) => login(gw, `203.0.122.${i}`, email, "Wrong-Pass-123"));
    await until(() => gated.counter.verifies === 10); // all ten hold their place, mid-hash
    const right = await login(gw, "203.0.122.50", email, GOOD_PASSWORD);
    expect(right.status).toBe(429);
    expect((await right.json<{ code: string }>()).code).toBe("account_locked");
    expect(gated.counter.verifies).toBe(10); // refused before hashing
    gated.open();
    expect((await Promise.all(wrong)).map((r) => r.status)).toEqual(Array(10).fill(401));
    expect((await login(gw, "203.0.122.51", email, GOOD_PASSWORD)).status).toBe(429);
  });

  it("gives the place back when the check ends without a verdict (a disabled account), so it never counts", async () => {
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m", LOCKOUT_THRESHOLD: "1" });
    const email = uniqueEmail("disabled");
    await register(gw, email);
    await query(gw.databaseUrl, "UPDATE users SET account_status = 'disabled' WHERE email = $1", [email]);
    expect((await login(gw, "203.0.123.1", email, GOOD_PASSWORD)).status).toBe(403);
    await gw.settle();
    expect((await login(gw, "203.0.123.2", email, GOOD_PASSWORD)).status).toBe(403);
  });

  it("password change: 30 wrong current passwords at once hash at most 10 times; the rest are 429 account_locked", async () => {
    const { counter, wrap } = countingHasher();
    const gw = await testGateway({ RATE_LIMIT_LOGIN: "1000/15m" }, { passwords: wrap });
    const s = await newUser(gw, "changeburst");
    const base = counter.verifies;
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        postJson(gw, "/auth/password/change", { current_password: "Wrong-Pass-123", new_password: "Another-Good-Pass-9" }, bearer(s.access)),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((x) => x === 401)).toHaveLength(10);
    expect(statuses.filter((x) => x === 429)).toHaveLength(20);
    expect(counter.verifies - base).toBe(10);
    const right = await postJson(gw, "/auth/password/change", { current_password: GOOD_PASSWORD, new_password: "Another-Good-Pass-9" }, bearer(s.access));
    expect(right.status).toBe(429);
  });
});

describe("limiter failure", () => {
  it("fails closed with 503 when the Durable Object cannot answer", async () => {
    const broken = {
      idFromName: (name: string) => env.RATE_LIMITER.idFromName(name),
      get: () => {
        throw new Error("object unavailable");
      },
    } as unknown as DurableObjectNamespace<RateLimiterObject>;
    const { counter, wrap } = countingHasher();
    const gw = await testGateway({}, { limiter: durableRateLimiter(broken), passwords: wrap });
    const res = await login(gw, "198.51.100.77", "a@example.com", "Wrong-Pass-123");
    expect(res.status).toBe(503);
    expect((await res.json<{ code: string }>()).code).toBe("service_unavailable");
    expect(counter.verifies).toBe(0);
    const reg = await postJson(gw, "/auth/register", { email: uniqueEmail(), password: GOOD_PASSWORD });
    expect(reg.status).toBe(503);
  });

  it("keeps the limiter's headers on every limited response", async () => {
    const gw = await testGateway();
    const s = await newUser(gw, "headers");
    const res = await postJson(gw, "/auth/refresh", { refresh_token: s.refresh });
    expect(res.headers.get("ratelimit-limit")).toBe("10");
    expect(res.headers.get("ratelimit-remaining")).toBe("9");
    expect((await gw.fetch("/auth/me", { headers: bearer(s.access) })).headers.get("ratelimit-limit")).toBeNull();
  });
});
