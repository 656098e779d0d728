import { describe, expect, it } from "vitest";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const gw = await testGateway();
const publicIcon = await testGateway({ PUBLIC_PATHS: "/health,/favicon.ico" });
const marker = () => `m${crypto.randomUUID().slice(0, 8)}`;

describe("GET /favicon.ico", () => {
  it("answers a browser without credentials with 204 (cached), not 401, and never reaches the upstream", async () => {
    const m = marker();
    for (const method of ["GET", "HEAD"]) {
      const res = await gw.fetch(`/favicon.ico?${m}`, { method, headers: { accept: "image/avif,image/webp,*/*" } });
      expect(res.status).toBe(204);
      expect(res.headers.get("cache-control")).toBe("public, max-age=86400");
      expect(await res.text()).toBe("");
    }
    const stale = await gw.fetch(`/favicon.ico?${m}`, { headers: bearer("not-a-token") });
    expect(stale.status).toBe(204);
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it("proxies a signed-in request (the app's own icon)", async () => {
    const s = await newUser(gw, "favicon");
    const m = marker();
    const res = await gw.fetch(`/favicon.ico?${m}`, { headers: bearer(s.access) });
    expect(res.status).toBe(200);
    expect(await recordedFor(m)).toHaveLength(1);
  });

  it("proxies it anonymously when PUBLIC_PATHS lists it", async () => {
    const m = marker();
    const res = await publicIcon.fetch(`/favicon.ico?${m}`);
    expect(res.status).toBe(200);
    expect(await recordedFor(m)).toHaveLength(1);
  });

  it("leaves every other method and path to the edge decision (401)", async () => {
    expect((await gw.fetch("/favicon.ico", { method: "POST" })).status).toBe(401);
    expect((await gw.fetch("/favicon.png")).status).toBe(401);
  });
});
