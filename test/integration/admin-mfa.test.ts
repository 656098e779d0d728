/**
 * The admin API meets MFA: a real second-factor session (not a minted token)
 * passes ADMIN_REQUIRE_MFA, AdminUser.mfa.totp reflects enrolment, and
 * DELETE /auth/admin/users/{id}/mfa is the lost-device reset.
 */
import { describe, expect, it } from "vitest";
import { totpCode } from "../../src/mfa/totp";
import { adminGet, adminSend, setRoles, userId } from "../helpers/admin";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, postJson } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";
import { mfaToken, movableClock, newMfaUser } from "../helpers/mfa";

const clock = movableClock();
const mail = mailbox();
const gw = await testGateway({}, { now: clock.now, mailer: mail });

/** An admin signed in with password and TOTP: amr ["pwd","otp","mfa"]. */
async function mfaAdmin(): Promise<string> {
  const a = await newMfaUser(gw, clock, "mfa-admin");
  await setRoles(gw, a.email, ["user", "admin"]);
  const token = await mfaToken(gw, a.email);
  const res = await postJson(gw, "/auth/login/mfa", { mfa_token: token, code: totpCode(a.secret, clock.now()) });
  expect(res.status).toBe(200);
  clock.nextStep();
  return (await res.json<{ access_token: string }>()).access_token;
}

describe("admin and MFA", () => {
  it("a TOTP sign-in admits an admin; mfa.totp shows; DELETE .../mfa removes TOTP and mails mfa_disabled", async () => {
    const admin = await mfaAdmin();
    const target = await newMfaUser(gw, clock, "lost-device");
    const id = await userId(gw, target.email);
    const before = await adminGet(gw, `/auth/admin/users/${id}`, admin);
    expect(before.status).toBe(200);
    expect((await before.json<{ user: { mfa: { totp: boolean } } }>()).user.mfa).toEqual({ totp: true, passkeys: 0 });

    const res = await adminSend(gw, "DELETE", `/auth/admin/users/${id}/mfa`, admin);
    expect(res.status).toBe(204);
    const after = await adminGet(gw, `/auth/admin/users/${id}`, admin);
    expect((await after.json<{ user: { mfa: { totp: boolean } } }>()).user.mfa.totp).toBe(false);
    expect(await query(gw.databaseUrl, "SELECT 1 FROM user_recovery_codes WHERE user_id = $1", [Number(id)])).toHaveLength(0);
    expect((await postJson(gw, "/auth/login", { email: target.email, password: GOOD_PASSWORD })).status).toBe(200);
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === target.email && m.kind === "mfa_disabled")).toHaveLength(1);
    const events = await query<{ event_type: string; actor_id: string }>(
      gw.databaseUrl,
      "SELECT event_type, actor_id FROM auth_events WHERE user_id = $1 AND event_type = 'admin_mfa_removed'",
      [Number(id)],
    );
    expect(events).toHaveLength(1);
    expect(events[0]?.actor_id).not.toBeNull();

    // Again: nothing to remove, still 204, no second mail. Unknown id: 404.
    expect((await adminSend(gw, "DELETE", `/auth/admin/users/${id}/mfa`, admin)).status).toBe(204);
    await gw.settle();
    expect(mail.messages.filter((m) => m.to === target.email && m.kind === "mfa_disabled")).toHaveLength(1);
    const missing = await adminSend(gw, "DELETE", "/auth/admin/users/999999999999/mfa", admin);
    expect(missing.status).toBe(404);
  });

  it("AdminUser.mfa counts each user's passkeys, in the list and in the user's page", async () => {
    const admin = await mfaAdmin();
    const withKeys = await newMfaUser(gw, clock, "two-keys");
    const id = Number(await userId(gw, withKeys.email));
    for (const n of [1, 2]) {
      await query(gw.databaseUrl, "INSERT INTO passkeys (user_id, credential_id, public_key, name) VALUES ($1, $2, 'pk', $3)", [
        id,
        `cred-${id}-${n}`,
        `key ${n}`,
      ]);
    }
    const one = await adminGet(gw, `/auth/admin/users/${id}`, admin);
    expect((await one.json<{ user: { mfa: unknown } }>()).user.mfa).toEqual({ totp: true, passkeys: 2 });
    const list = await adminGet(gw, `/auth/admin/users?q=${encodeURIComponent(withKeys.email)}`, admin);
    const users = (await list.json<{ users: { id: string; mfa: unknown }[] }>()).users;
    expect(users).toHaveLength(1);
    expect(users[0]?.mfa).toEqual({ totp: true, passkeys: 2 });
    // Another user's passkeys are not counted as theirs.
    const other = await newMfaUser(gw, clock, "no-keys");
    const otherPage = await adminGet(gw, `/auth/admin/users/${await userId(gw, other.email)}`, admin);
    expect((await otherPage.json<{ user: { mfa: unknown } }>()).user.mfa).toEqual({ totp: true, passkeys: 0 });
  });

  it("a password-only admin session is refused with 403 mfa_required", async () => {
    const a = await newMfaUser(gw, clock, "pwd-admin");
    await setRoles(gw, a.email, ["user", "admin"]);
    // A refresh picks the new role up and keeps the session's amr: ["pwd"].
    const refreshed = await postJson(gw, "/auth/refresh", { refresh_token: a.refresh });
    const access = (await refreshed.json<{ access_token: string }>()).access_token;
    const res = await adminSend(gw, "DELETE", `/auth/admin/users/${await userId(gw, a.email)}/mfa`, access);
    expect(res.status).toBe(403);
    expect((await res.json<{ code: string }>()).code).toBe("mfa_required");
  });
});
