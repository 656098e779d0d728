/**
 * Account events and the mails of the MFA paths through the real local Queue
 * (Miniflare) to the delivery sink (test/setup/delivery-sink.ts): TOTP turned
 * on (mfa.enabled, mfa_enabled mail), off by the user or by an admin
 * (mfa.disabled, mfa_disabled mail), and a password reset that verifies the
 * email (user.email_verified). Each event carries the user id and what
 * changed, never a secret, and is signed like the mail webhook.
 */
import { describe, expect, it } from "vitest";
import { totpCode } from "../../src/mfa/totp";
import { adminSend, newAdmin, userId } from "../helpers/admin";
import { EVENTS_SECRET, MAIL_SECRET, signatureValid, waitForDeliveries, type SinkRecord } from "../helpers/delivery";
import { testGateway } from "../helpers/gateway";
import { bearer, GOOD_PASSWORD, postJson, register, uniqueEmail } from "../helpers/http";
import { movableClock, newMfaUser } from "../helpers/mfa";

const clock = movableClock();
// No mailer override: mail and events go through the Queue and its consumer.
const gw = await testGateway({ ADMIN_REQUIRE_MFA: "false" }, { now: clock.now });

interface EventBody {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

async function bodyHmac(secret: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(body)));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The delivered (204) events of `id` of `type`, both signatures checked. */
async function eventsOf(id: string, type: string, count = 1): Promise<EventBody[]> {
  const delivered = (rs: SinkRecord[]) => rs.filter((r) => r.path === "/events" && r.status === 204 && r.body.includes(`"${type}"`));
  const records = delivered(await waitForDeliveries(`"user_id":"${id}"`, (rs) => delivered(rs).length >= count));
  for (const r of records) {
    expect(await signatureValid(r, EVENTS_SECRET)).toBe(true);
    // Signed like the mail webhook: x-gateway-signature over the raw body too.
    expect(r.headers["x-gateway-signature"]).toBe(await bodyHmac(EVENTS_SECRET, r.body));
  }
  return records.map((r) => JSON.parse(r.body) as EventBody);
}

/** The delivered mails of `kind` to `to`, signature checked. */
async function mailsOf(to: string, kind: string): Promise<Array<{ kind: string; to: string; link?: string }>> {
  const delivered = (rs: SinkRecord[]) => rs.filter((r) => r.path === "/mail" && r.status === 204 && r.body.includes(`"kind":"${kind}"`));
  const records = delivered(await waitForDeliveries(to, (rs) => delivered(rs).length > 0));
  for (const r of records) expect(await signatureValid(r, MAIL_SECRET)).toBe(true);
  return records.map((r) => JSON.parse(r.body) as { kind: string; to: string; link?: string });
}

function expectNoSecret(event: EventBody, secret: string): void {
  const text = JSON.stringify(event);
  expect(text).not.toContain(secret);
  expect(text).not.toContain(GOOD_PASSWORD);
}

describe("MFA account events and mails through the Queue", { timeout: 60_000 }, () => {
  it("TOTP on: mfa.enabled and the mfa_enabled mail; off by the user: mfa.disabled and the mfa_disabled mail", async () => {
    const u = await newMfaUser(gw, clock, "ev-mfa");
    const id = await userId(gw, u.email);
    await gw.settle();
    const [enabled] = await eventsOf(id, "mfa.enabled");
    expect(enabled).toMatchObject({ type: "mfa.enabled", data: { user_id: id, factor: "totp" } });
    expect(Object.keys(enabled?.data ?? {}).sort()).toEqual(["factor", "sessions_revoked", "user_id"]);
    expectNoSecret(enabled as EventBody, u.secret);
    expect(await mailsOf(u.email, "mfa_enabled")).toHaveLength(1);

    const off = await gw.fetch("/auth/mfa/totp", {
      method: "DELETE",
      headers: { ...bearer(u.access), "content-type": "application/json" },
      body: JSON.stringify({ password: GOOD_PASSWORD, code: totpCode(u.secret, clock.now()) }),
    });
    expect(off.status).toBe(204);
    clock.nextStep();
    await gw.settle();
    const [disabled] = await eventsOf(id, "mfa.disabled");
    expect(disabled?.data).toEqual({ user_id: id, factor: "totp", by: "user" });
    expect(await mailsOf(u.email, "mfa_disabled")).toHaveLength(1);
  });

  it("the admin's lost-device reset: mfa.disabled by admin; nothing when TOTP was already off", async () => {
    const admin = await newAdmin(gw);
    const u = await newMfaUser(gw, clock, "ev-reset");
    const id = await userId(gw, u.email);
    expect((await adminSend(gw, "DELETE", `/auth/admin/users/${id}/mfa`, admin.access)).status).toBe(204);
    expect((await adminSend(gw, "DELETE", `/auth/admin/users/${id}/mfa`, admin.access)).status).toBe(204);
    await gw.settle();
    const [disabled] = await eventsOf(id, "mfa.disabled");
    expect(disabled?.data).toEqual({ user_id: id, factor: "totp", by: "admin" });
    expect(await mailsOf(u.email, "mfa_disabled")).toHaveLength(1);
    // Give a second (wrong) event time to arrive, then count.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await eventsOf(id, "mfa.disabled")).toHaveLength(1);
  });

  it("user.created carries the email; a password reset that verifies it sends user.email_verified", async () => {
    const email = uniqueEmail("ev-reset-verify");
    expect((await register(gw, email)).status).toBe(202);
    const id = await userId(gw, email);
    await gw.settle();
    // user.created carries the address the app needs for its own record (README "Account events").
    expect((await eventsOf(id, "user.created"))[0]?.data).toEqual({ user_id: id, email, email_verified: false });
    expect((await postJson(gw, "/auth/password/forgot", { email })).status).toBe(202);
    await gw.settle();
    const [mail] = await mailsOf(email, "password_reset");
    const token = new URLSearchParams(new URL(mail?.link ?? "https://x").hash.slice(1)).get("token");
    expect(token).toBeTruthy();
    const reset = await postJson(gw, "/auth/password/reset", { token, password: "Another-Horse-77" });
    expect(reset.status).toBe(204);
    await gw.settle();
    const [verified] = await eventsOf(id, "user.email_verified");
    expect(verified?.data).toEqual({ user_id: id });
    expect((await eventsOf(id, "password.reset"))[0]?.data).toMatchObject({ user_id: id });
  });
});
