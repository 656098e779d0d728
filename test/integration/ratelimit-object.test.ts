import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clientIp, ipRateKey } from "../../src/http/client-ip";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";

describe("the rate-limit Durable Object", () => {
  it("prunes expired hits and finished lockouts by the callers' clock when its alarm runs", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("alarm-probe"));
    const t0 = Date.now();
    await stub.consume(5, 1000, t0);
    await stub.consume(5, 60_000, t0);
    await stub.recordFailure(3, 1000, t0);
    await stub.consume(5, 60_000, t0 + 5000); // the callers' clock moves on
    await stub.resetLockout();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, (_o, state) => ({
      hits: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM hits").one().n,
      lockout: state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM lockout").one().n,
    }));
    expect(left).toEqual({ hits: 2, lockout: 0 });
  });

  it("survives eviction: counts live in SQLite storage", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("evict-probe"));
    const now = Date.now();
    await stub.consume(2, 60_000, now);
    await stub.consume(2, 60_000, now + 1);
    const { evictDurableObject } = await import("cloudflare:test");
    await evictDurableObject(stub);
    expect((await stub.consume(2, 60_000, now + 2)).allowed).toBe(false);
    await stub.clear();
    expect((await stub.consume(2, 60_000, now + 3)).allowed).toBe(true);
  });

  it("locks after the threshold, reports the lock, and starts fresh once it has run out", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("lock-probe"));
    const t = 1_000_000;
    expect((await stub.recordFailure(2, 10_000, t)).locked).toBe(false);
    const locked = await stub.recordFailure(2, 10_000, t + 1);
    expect(locked).toEqual({ locked: true, failures: 2, lockedUntil: t + 1 + 10_000 });
    expect((await stub.lockState(t + 5000)).locked).toBe(true);
    expect((await stub.lockState(t + 20_000)).locked).toBe(false);
    expect(await stub.recordFailure(2, 10_000, t + 20_000)).toEqual({ locked: false, failures: 1, lockedUntil: 0 });
  });
});

describe("client IP", () => {
  it("uses CF-Connecting-IP only, and a placeholder when it is missing or malformed", () => {
    expect(clientIp(new Headers({ "cf-connecting-ip": "203.0.113.9" }))).toBe("203.0.113.9");
    expect(clientIp(new Headers({ "cf-connecting-ip": "2001:DB8::1" }))).toBe("2001:db8::1");
    expect(clientIp(new Headers({ "x-forwarded-for": "203.0.113.9" }))).toBe("0.0.0.0");
    expect(clientIp(new Headers({ "cf-connecting-ip": "not an ip" }))).toBe("0.0.0.0");
  });

  it("groups IPv6 by /64 and leaves IPv4 and malformed values alone", () => {
    expect(ipRateKey("2001:db8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(ipRateKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(ipRateKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(ipRateKey("::1")).toBe("0:0:0:0::/64");
    expect(ipRateKey("198.51.100.4")).toBe("198.51.100.4");
    expect(ipRateKey("1:2:3")).toBe("1:2:3");
  });
});

describe("RATE_LIMIT_API", () => {
  it("limits proxied traffic per user when configured", async () => {
    const gw = await testGateway({ RATE_LIMIT_API: "2/1m" });
    const s = await newUser(gw, "api");
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await gw.fetch("/api/limited", { headers: bearer(s.access) })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const other = await newUser(gw, "api2");
    expect((await gw.fetch("/api/limited", { headers: bearer(other.access) })).status).toBe(200);
  });
});
