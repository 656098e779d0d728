import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runCleanup } from "../../src/cleanup";
import worker from "../../src/index";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { newUser } from "../helpers/http";

describe("scheduled cleanup", () => {
  it("deletes expired and long-revoked tokens and old audit events, and nothing live", async () => {
    const gw = await testGateway({ AUDIT_RETENTION_DAYS: "30" });
    const s = await newUser(gw, "cleanup");
    await gw.settle();
    const uid = (await query<{ id: string }>(gw.databaseUrl, "SELECT id FROM users WHERE email = $1", [s.email]))[0]?.id;
    await query(
      gw.databaseUrl,
      `INSERT INTO auth_tokens (token_type, token_hash, user_id, expires_at, is_revoked, revoked_at)
       VALUES ('password_reset', 'expired', $1, now() - interval '1 hour', false, NULL),
              ('refresh', 'revoked-long-ago', $1, now() + interval '1 day', true, now() - interval '3 days'),
              ('refresh', 'revoked-just-now', $1, now() + interval '1 day', true, now())`,
      [uid],
    );
    await query(
      gw.databaseUrl,
      `INSERT INTO auth_events (event_type, user_id, created_at) VALUES ('old', $1, now() - interval '40 days'), ('recent', $1, now() - interval '1 day')`,
      [uid],
    );
    await query(
      gw.databaseUrl,
      `INSERT INTO mfa_challenges (token_hash, user_id, transport, expires_at)
       VALUES ('mfa-expired', $1, 'bearer', now() - interval '1 minute'), ('mfa-live', $1, 'bearer', now() + interval '5 minutes')`,
      [uid],
    );
    const result = await runCleanup(gw.env, Date.now());
    expect(result.tokens).toBe(2);
    expect(result.events).toBe(1);
    expect(result.mfaChallenges).toBe(1);
    const challenges = await query<{ token_hash: string }>(gw.databaseUrl, "SELECT token_hash FROM mfa_challenges");
    expect(challenges.map((r) => r.token_hash)).toEqual(["mfa-live"]);
    const hashes = (await query<{ token_hash: string }>(gw.databaseUrl, "SELECT token_hash FROM auth_tokens ORDER BY id")).map((r) => r.token_hash);
    expect(hashes).not.toContain("expired");
    expect(hashes).not.toContain("revoked-long-ago");
    expect(hashes).toContain("revoked-just-now");
    const events = (await query<{ event_type: string }>(gw.databaseUrl, "SELECT event_type FROM auth_events")).map((r) => r.event_type);
    expect(events).not.toContain("old");
    expect(events).toContain("recent");
    // The live session survived: its refresh token still works.
    const res = await gw.fetch("/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": "10.1.1.1" },
      body: JSON.stringify({ refresh_token: s.refresh }),
    });
    expect(res.status).toBe(200);
  });

  it("runs from the Worker's scheduled handler", async () => {
    const gw = await testGateway();
    await query(gw.databaseUrl, "INSERT INTO users (email, roles) VALUES ('cron@example.com', ARRAY['user'])");
    await query(
      gw.databaseUrl,
      "INSERT INTO auth_tokens (token_type, token_hash, user_id, expires_at) SELECT 'email_verification', 'cron-expired', id, now() - interval '1 minute' FROM users WHERE email = 'cron@example.com'",
    );
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "17 * * * *" }), gw.env, ctx);
    await waitOnExecutionContext(ctx);
    expect(await query(gw.databaseUrl, "SELECT 1 FROM auth_tokens WHERE token_hash = 'cron-expired'")).toHaveLength(0);
  });
});
