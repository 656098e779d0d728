// The upstream refusing, hanging and resetting: 502/504, one attempt only,
// a POST never sent twice. KV and the limiter failing: fail closed.
import { describe, expect, it } from "vitest";
import { DependencyError } from "../../src/errors";
import type { RevocationStore } from "../../src/revocation";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const gw = await testGateway({ UPSTREAM_TIMEOUT_MS: "300" });
const user = await newUser(gw, "faults");
const marker = () => `f${crypto.randomUUID().slice(0, 8)}`;

describe("upstream faults", () => {
  it("answers 502 when the upstream resets the connection, and sends the POST once", async () => {
    const m = marker();
    const res = await gw.fetch(`/__reset-conn?${m}`, { method: "POST", headers: bearer(user.access), body: "pay once" });
    expect(res.status).toBe(502);
    expect((await res.json<{ code: string }>()).code).toBe("upstream_unavailable");
    expect(await recordedFor(m)).toHaveLength(1);
  });

  it("answers 504 when the upstream hangs past UPSTREAM_TIMEOUT_MS, and sends the POST once", async () => {
    const m = marker();
    const res = await gw.fetch(`/__slow?ms=2000&${m}`, { method: "POST", headers: bearer(user.access), body: "pay once" });
    expect(res.status).toBe(504);
    await new Promise((r) => setTimeout(r, 100));
    expect(await recordedFor(m)).toHaveLength(1);
  });

  it("answers 502 when nothing listens", async () => {
    const down = await testGateway({ UPSTREAM_URL: "http://127.0.0.1:9" }, {}, { databaseUrl: gw.databaseUrl });
    const res = await down.fetch("/api/x", { headers: bearer(user.access) });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain("127.0.0.1");
  });

  it("streams a request body upstream without buffering it whole", async () => {
    const m = marker();
    const chunks = 64;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < chunks; i++) controller.enqueue(new TextEncoder().encode("x".repeat(1024)));
        controller.close();
      },
    });
    const res = await gw.fetch(`/api/${m}`, { method: "PUT", headers: bearer(user.access), body: stream });
    expect(res.status).toBe(200);
    const [seen] = await recordedFor(m);
    expect(seen?.body.length).toBe(chunks * 1024);
  });
});

describe("KV failing", () => {
  const failing: RevocationStore = {
    isRevoked: async () => {
      throw new DependencyError("kv");
    },
    revokeToken: async () => {
      throw new DependencyError("kv");
    },
    revokeSessions: async () => {
      throw new DependencyError("kv");
    },
    revokeUserBefore: async () => {
      throw new DependencyError("kv");
    },
    ping: async () => {
      throw new DependencyError("kv");
    },
  };

  it("fails closed on protected requests and /auth/me, and health names kv", async () => {
    const broken = await testGateway({}, { revocations: failing }, { databaseUrl: gw.databaseUrl });
    const m = marker();
    expect((await broken.fetch(`/api/${m}`, { headers: bearer(user.access) })).status).toBe(503);
    expect((await broken.fetch("/auth/me", { headers: bearer(user.access) })).status).toBe(503);
    expect(await recordedFor(m)).toHaveLength(0);
    const health = await broken.fetch("/auth/health");
    expect(health.status).toBe(503);
    expect((await health.json<{ checks: Record<string, string> }>()).checks).toEqual({ database: "ok", kv: "failing" });
    // Public paths need no KV.
    expect((await broken.fetch("/health")).status).toBe(200);
  });

  it("answers logout with 503 rather than pretend the token is revoked", async () => {
    const broken = await testGateway({}, { revocations: failing }, { databaseUrl: gw.databaseUrl });
    const s = await newUser(gw, "kvlogout");
    const res = await broken.fetch("/auth/logout", { method: "POST", headers: bearer(s.access) });
    expect(res.status).toBe(503);
  });
});
