import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clientIp, ipRateKey } from "../../src/http/client-ip";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";
import type { RateLimiterObject } from "../../src/ratelimit/object";

describe("the rate-limit Durable Object", () => {
  it("prunes expired hits by the callers' clock when its alarm runs", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("alarm-probe"));
    const t0 = Date.now();
    await stub.consume(5, 1000, t0);
    await stub.consume(5, 60_000, t0);
    const r = await stub.reserve(policy(3), t0);
    await stub.settle(r.id, "failure", policy(3), t0);
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
    const p = policy(2);
    const fail = async (now: number) => stub.settle((await stub.reserve(p, now)).id, "failure", p, now);
    expect((await fail(t)).locked).toBe(false);
    const locked = await fail(t + 1);
    expect(locked).toEqual({ locked: true, failures: 2, lockedUntil: t + 1 + 10_000 });
    expect((await stub.lockState(t + 5000)).locked).toBe(true);
    expect(await stub.reserve(p, t + 5000)).toEqual({ granted: false, id: "", retryAt: t + 1 + 10_000 });
    expect((await stub.lockState(t + 20_000)).locked).toBe(false);
    expect(await fail(t + 20_000)).toEqual({ locked: false, failures: 1, lockedUntil: 0 });
  });
});

/** threshold N, 10 s lock, 1 s hold, 1 h memory. */
const policy = (threshold: number) => ({ threshold, lockMs: 10_000, holdMs: 1000, memoryMs: 3600_000 });

describe("lockout reservations (reserve before the hash, settle after)", () => {
  it("grants exactly `threshold` places to 30 reservations fired at once", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("burst-probe"));
    const t = 2_000_000;
    const answers = await Promise.all(Array.from({ length: 30 }, () => stub.reserve(policy(10), t)));
    const granted = answers.filter((a) => a.granted);
    expect(granted).toHaveLength(10);
    expect(new Set(granted.map((a) => a.id)).size).toBe(10);
    expect(answers.filter((a) => !a.granted).every((a) => a.retryAt === t + 1000)).toBe(true);
    // All ten fail at once: the tenth locks.
    const after = await Promise.all(granted.map((a) => stub.settle(a.id, "failure", policy(10), t + 1)));
    expect(Math.max(...after.map((s) => s.failures))).toBe(10);
    expect((await stub.lockState(t + 2)).locked).toBe(true);
    expect((await stub.reserve(policy(10), t + 2)).granted).toBe(false);
  });

  it("counts places in flight: a success frees its place and clears the count, a release only frees it", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("inflight-probe"));
    const t = 3_000_000;
    const p = policy(2);
    const a = await stub.reserve(p, t);
    const b = await stub.reserve(p, t);
    expect((await stub.reserve(p, t)).granted).toBe(false); // two in flight
    await stub.settle(a.id, "release", p, t);
    const c = await stub.reserve(p, t);
    expect(c.granted).toBe(true);
    await stub.settle(b.id, "failure", p, t);
    expect((await stub.reserve(p, t)).granted).toBe(false); // one failure + one in flight
    await stub.settle(c.id, "success", p, t);
    expect(await stub.lockState(t)).toEqual({ locked: false, failures: 0, lockedUntil: 0 });
    // Settling twice, or an unknown place, changes nothing more.
    expect(await stub.settle(c.id, "release", p, t)).toEqual({ locked: false, failures: 0, lockedUntil: 0 });
  });

  it("lets a reservation that is never settled expire after holdMs (a crashed request)", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("crash-probe"));
    const t = 4_000_000;
    const p = policy(1);
    expect((await stub.reserve(p, t)).granted).toBe(true); // never settled
    expect((await stub.reserve(p, t + 999)).granted).toBe(false);
    expect((await stub.reserve(p, t + 1000)).granted).toBe(true);
  });

  it("forgets a failure count below the threshold after memoryMs without a failure", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("memory-probe"));
    const t = 5_000_000;
    const p = policy(3);
    await stub.settle((await stub.reserve(p, t)).id, "failure", p, t);
    await stub.settle((await stub.reserve(p, t + 1)).id, "failure", p, t + 1);
    expect((await stub.lockState(t + 3599_000)).failures).toBe(2);
    expect((await stub.lockState(t + 3600_001)).failures).toBe(0);
  });
});

/** The user tables and the alarm of one object: empty means nothing stored for its key. */
async function stored(stub: DurableObjectStub<RateLimiterObject>) {
  return runInDurableObject(stub, async (_o, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray()
      .map((r) => r.name),
    alarm: await state.storage.getAlarm(),
  }));
}

/** Moves the callers' clock the alarm reads, adding nothing else. */
async function setClock(stub: DurableObjectStub<RateLimiterObject>, now: number) {
  await runInDurableObject(stub, (_o, state) => {
    state.storage.sql.exec("UPDATE clock SET now = ?", now);
  });
}

describe("the object deletes its storage when its key holds nothing", () => {
  it("after a success clears an email's failures", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("lockout:gone@example.com"));
    const t = 6_000_000;
    const p = policy(10);
    await stub.settle((await stub.reserve(p, t)).id, "failure", p, t);
    expect((await stored(stub)).tables.length).toBeGreaterThan(0);
    await stub.settle((await stub.reserve(p, t)).id, "success", p, t);
    expect(await stored(stub)).toEqual({ tables: [], alarm: null });
    // And it works again afterwards.
    expect((await stub.reserve(p, t)).granted).toBe(true);
  });

  it("after a password reset, after a lock runs out, and when only reads happened", async () => {
    const p = policy(1);
    const t = 7_000_000;
    const reset = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("lockout:reset@example.com"));
    await reset.settle((await reset.reserve(p, t)).id, "failure", p, t);
    await reset.resetLockout();
    expect(await stored(reset)).toEqual({ tables: [], alarm: null });

    const ran = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("lockout:ranout@example.com"));
    await ran.settle((await ran.reserve(p, t)).id, "failure", p, t);
    expect((await ran.lockState(t)).locked).toBe(true);
    await setClock(ran, t + 20_000); // the callers' clock passes the lock's end
    expect(await runDurableObjectAlarm(ran)).toBe(true);
    expect(await stored(ran)).toEqual({ tables: [], alarm: null });

    const read = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("lockout:never@example.com"));
    expect(await read.lockState(t)).toEqual({ locked: false, failures: 0, lockedUntil: 0 });
    expect(await stored(read)).toEqual({ tables: [], alarm: null });
  });

  it("after a login attempt on an email that only ever fails, once its count is forgotten", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("lockout:typed-once@example.com"));
    const t = 8_000_000;
    const p = policy(10);
    await stub.settle((await stub.reserve(p, t)).id, "failure", p, t);
    await setClock(stub, t + 3600_001); // the callers' clock passes the memory
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored(stub)).toEqual({ tables: [], alarm: null });
  });

  it("when a rate-limit key's hits have all left the window", async () => {
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("rl:login:203.0.113.250"));
    const t = Date.now();
    await stub.consume(5, 1000, t);
    await stub.consume(5, 1000, t + 2000);
    await stub.consume(5, 1000, t + 4000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stored(stub)).tables.length).toBeGreaterThan(0); // the newest hit is still in its window by the callers' clock
    await setClock(stub, t + 10_000);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stored(stub)).toEqual({ tables: [], alarm: null });
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
