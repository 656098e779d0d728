import { env, exports } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GATEWAY_TABLES } from "../helpers/schema";

describe("foundation", () => {
  it("answers /auth/health with database and KV checks", async () => {
    const gw = await testGateway();
    const res = await gw.fetch("/auth/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { database: "ok", kv: "ok" } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("names the failing check with 503 when Postgres is unreachable", async () => {
    const gw = await testGateway({ DATABASE_URL: "postgres://postgres:postgres@127.0.0.1:1/none" });
    const res = await gw.fetch("/auth/health");
    expect(res.status).toBe(503);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const body = await res.json<{ checks: Record<string, string>; code: string }>();
    expect(body.code).toBe("service_unavailable");
    expect(body.checks).toEqual({ database: "failing", kv: "ok" });
  });

  it("serves through the Worker's own default export", async () => {
    const res = await exports.default.fetch("https://gateway.test/auth/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = await res.json<{ code: string; status: number }>();
    expect(body).toMatchObject({ code: "not_found", status: 404 });
  });

  it("keeps a sane inbound request id and replaces an insane one", async () => {
    const gw = await testGateway();
    const kept = await gw.fetch("/auth/nope", { headers: { "x-request-id": "abc-123" } });
    expect(kept.headers.get("x-request-id")).toBe("abc-123");
    const replaced = await gw.fetch("/auth/nope", { headers: { "x-request-id": "bad id\u0007<script>" } });
    expect(replaced.headers.get("x-request-id")).not.toContain("script");
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses unknown methods with 405 and a known path's wrong method with 405 + Allow", async () => {
    const gw = await testGateway();
    const trace = await gw.fetch("/anything", { method: "PROPFIND" });
    expect(trace.status).toBe(405);
    expect((await trace.json<{ code: string }>()).code).toBe("method_not_allowed");
    const wrong = await gw.fetch("/auth/health", { method: "POST" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("GET");
  });

  it("round-trips KV, a Durable Object and Postgres from inside workerd", async () => {
    await env.TOKEN_BLACKLIST.put("probe", "v");
    expect(await env.TOKEN_BLACKLIST.get("probe")).toBe("v");
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName("foundation-probe"));
    const first = await stub.consume(1, 60_000, 1_000);
    const second = await stub.consume(1, 60_000, 1_001);
    expect([first.allowed, second.allowed]).toEqual([true, false]);
    const rows = await runInDurableObject(stub, (_obj, state) => state.storage.sql.exec("SELECT COUNT(*) AS n FROM hits").one());
    expect(rows.n).toBe(1);
    const gw = await testGateway();
    const tables = await query<{ table_name: string }>(
      gw.databaseUrl,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(GATEWAY_TABLES);
  });
});

describe("failures", () => {
  it("answers an unhandled error with 500 internal_error and never its message", async () => {
    const gw = await testGateway(
      {},
      {
        openDatabase: () => {
          throw new TypeError("secret internals at postgres://user:pw@db.internal/x");
        },
      },
    );
    const res = await gw.fetch("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "10.250.0.1" },
      body: JSON.stringify({ email: "a@example.com", password: "Whatever-123", transport: "bearer" }),
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ code: "internal_error", status: 500 });
    expect(text).not.toMatch(/secret|postgres|TypeError|at /);
  });

  it("names every configuration problem at the first request (development)", async () => {
    const gw = await testGateway({ JWT_SECRET: "short", ACCESS_TOKEN_TTL: "soon" });
    const res = await gw.fetch("/auth/health");
    expect(res.status).toBe(500);
    const body = await res.json<{ code: string; detail: string }>();
    expect(body.code).toBe("internal_error");
    expect(body.detail).toContain("JWT_SECRET");
    expect(body.detail).toContain("ACCESS_TOKEN_TTL");
    expect(body.detail).not.toContain("short");
  });

  it("hides the problems in production", async () => {
    const gw = await testGateway({ ENVIRONMENT: "production", JWT_SECRET: "short" });
    const res = await gw.fetch("/auth/health");
    expect(res.status).toBe(500);
    expect((await res.json<{ detail: string }>()).detail).toBe("The gateway is misconfigured");
  });

  it("answers OPTIONS on a known /auth path with Allow", async () => {
    const gw = await testGateway();
    const res = await gw.fetch("/auth/login", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });
});
