import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { durableChallengeStore } from "../../src/passkeys/challenges";

describe("the passkey challenge Durable Object", () => {
  it("never overwrites an issued challenge and forgets it when its alarm runs", async () => {
    const stub = env.PASSKEY_CHALLENGES.get(env.PASSKEY_CHALLENGES.idFromName("probe-overwrite"));
    const now = Date.now();
    expect(await stub.issue({ purpose: "register", userId: "7", expiresAt: now + 1000 })).toBe(true);
    expect(await stub.issue({ purpose: "login", userId: null, expiresAt: now + 1000 })).toBe(false);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.take(now)).toBeNull();
  });

  it("takes a challenge once, refuses it after its 5 minutes, and ignores shapes it never issues", async () => {
    const store = durableChallengeStore(env.PASSKEY_CHALLENGES);
    const t0 = Date.now();
    const a = await store.issue("register", "42", t0);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [first, second] = await Promise.all([store.take(a, t0 + 1), store.take(a, t0 + 1)]);
    expect([first, second].filter(Boolean)).toEqual([{ purpose: "register", userId: "42", expiresAt: t0 + 300_000 }]);
    const b = await store.issue("login", null, t0);
    expect(await store.take(b, t0 + 300_000)).toBeNull();
    expect(await store.take(b, t0)).toBeNull(); // an expired take still spent it
    expect(await store.take("short", t0)).toBeNull();
  });
});
