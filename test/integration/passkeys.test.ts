import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db";
import type { Config } from "../../src/config";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { bearer, cookiesOf, newUser, nextIp, ORIGIN, postJson } from "../helpers/http";
import { mailbox } from "../helpers/mailbox";
import { b64url, softAuthenticator, type SoftCredential } from "../helpers/software-authenticator";

let clock = Date.now();
let dbOpens = 0;
const mail = mailbox();
const gw = await testGateway({}, {
  now: () => clock,
  mailer: mail,
  openDatabase: (c: Config) => {
    dbOpens += 1;
    return openDatabase({ url: c.databaseUrl, wsProxy: c.databaseWsProxy, timeoutMs: c.databaseTimeoutMs });
  },
});

type Json = Record<string, unknown>;
interface CreationOptions {
  challenge: string;
  rp: { id: string; name: string };
  user: { id: string; name: string };
  authenticatorSelection: Json;
  excludeCredentials: { id: string }[];
  timeout: number;
}

async function registerOptions(access: string): Promise<CreationOptions> {
  const res = await postJson(gw, "/auth/passkeys/register/options", undefined, bearer(access));
  expect(res.status).toBe(200);
  return res.json<CreationOptions>();
}

async function loginOptions(): Promise<{ challenge: string } & Json> {
  const res = await postJson(gw, "/auth/passkeys/login/options", undefined);
  expect(res.status).toBe(200);
  return res.json<{ challenge: string } & Json>();
}

/** A user with one registered passkey (counter as given). */
async function userWithPasskey(counter = 0) {
  const user = await newUser(gw, "pk");
  const auth = softAuthenticator(ORIGIN, "gateway.test");
  const credential = await auth.register(await registerOptions(user.access), { counter });
  const res = await postJson(gw, "/auth/passkeys/register", { credential, name: "Laptop" }, bearer(user.access));
  expect(res.status, await res.clone().text()).toBe(201);
  const body = await res.json<{ passkey: { id: string } }>();
  return { ...user, auth, passkeyId: body.passkey.id, credential: auth.credentials[0] as SoftCredential };
}

function login(credential: unknown, extra: Json = {}, headers: Record<string, string> = {}) {
  return postJson(gw, "/auth/passkeys/login", { credential, transport: "bearer", ...extra }, headers);
}

async function expectInvalid(res: Response): Promise<string> {
  expect(res.status).toBe(401);
  const body = await res.json<Json>();
  expect(body.code).toBe("invalid_credentials");
  delete body.request_id;
  return JSON.stringify(body);
}

describe("passkey registration", () => {
  it("offers options bound to PUBLIC_URL's host with resident key and UV required, excluding the user's passkeys", async () => {
    const user = await userWithPasskey();
    const options = await registerOptions(user.access);
    expect(options.rp.id).toBe("gateway.test");
    expect(options.user.name).toBe(user.email);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "required" });
    expect(options.excludeCredentials.map((c) => c.id)).toEqual([user.credential.id]);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(options.timeout).toBe(300_000);
    const other = await registerOptions(user.access);
    expect(other.challenge).not.toBe(options.challenge);
  });

  it("takes no body on the options endpoints: {} or none; anything else is 422, above 16 KiB 413", async () => {
    const user = await newUser(gw, "pkopt");
    for (const path of ["/auth/passkeys/register/options", "/auth/passkeys/login/options"]) {
      expect((await postJson(gw, path, {}, bearer(user.access))).status).toBe(200);
      const extra = await postJson(gw, path, { user_id: 1 }, bearer(user.access));
      expect(extra.status).toBe(422);
      expect((await postJson(gw, path, "x".repeat(17 * 1024), bearer(user.access))).status).toBe(413);
    }
  });

  it("needs an access token", async () => {
    const res = await postJson(gw, "/auth/passkeys/register/options", undefined);
    expect(res.status).toBe(401);
    const reg = await postJson(gw, "/auth/passkeys/register", { credential: {} });
    expect(reg.status).toBe(401);
    expect((await gw.fetch("/auth/passkeys")).status).toBe(401);
  });

  it("registers: 201 with the passkey, listed afterwards, and a passkey_added mail", async () => {
    const user = await userWithPasskey();
    await gw.settle();
    expect(mail.messages.some((m) => m.to === user.email && m.kind === "passkey_added")).toBe(true);
    const list = await gw.fetch("/auth/passkeys", { headers: bearer(user.access) });
    expect(list.status).toBe(200);
    expect(list.headers.get("cache-control")).toBe("no-store");
    const body = await list.json<{ passkeys: Json[] }>();
    expect(body.passkeys).toHaveLength(1);
    expect(body.passkeys[0]).toMatchObject({ id: user.passkeyId, name: "Laptop", last_used_at: null });
    expect(Object.keys(body.passkeys[0] as Json).sort()).toEqual(["created_at", "id", "last_used_at", "name"]);
  });

  it("refuses a used, unknown or another user's challenge with 400 invalid_token", async () => {
    const a = await newUser(gw, "pka");
    const b = await newUser(gw, "pkb");
    const auth = softAuthenticator(ORIGIN, "gateway.test");
    const options = await registerOptions(a.access);
    const credential = await auth.register(options);
    // b presents a's challenge: refused, and that spends it.
    const stolen = await postJson(gw, "/auth/passkeys/register", { credential }, bearer(b.access));
    expect(stolen.status).toBe(400);
    expect((await stolen.json<Json>()).code).toBe("invalid_token");
    const replay = await postJson(gw, "/auth/passkeys/register", { credential }, bearer(a.access));
    expect(replay.status).toBe(400);
    const fresh = await auth.register(await registerOptions(a.access));
    expect((await postJson(gw, "/auth/passkeys/register", { credential: fresh }, bearer(a.access))).status).toBe(201);
    const again = await postJson(gw, "/auth/passkeys/register", { credential: fresh }, bearer(a.access));
    expect(again.status).toBe(400);
  });

  it("refuses attestation that does not verify (wrong origin, wrong RP id, no UV) with 401 and stores nothing", async () => {
    const user = await newUser(gw, "pkbad");
    const auth = softAuthenticator(ORIGIN, "gateway.test");
    for (const tweak of [{ origin: "https://evil.test" }, { rpId: "evil.test" }, { userVerified: false }, { type: "webauthn.get" }]) {
      const credential = await auth.register(await registerOptions(user.access), tweak);
      const res = await postJson(gw, "/auth/passkeys/register", { credential }, bearer(user.access));
      await expectInvalid(res);
    }
    const rows = await query(gw.databaseUrl, "SELECT 1 FROM passkeys WHERE user_id = $1", [Number(user.body.user && (user.body.user as Json).id)]);
    expect(rows).toHaveLength(0);
  });

  it("refuses malformed WebAuthn JSON with 422 before any challenge or database work", async () => {
    const user = await newUser(gw, "pk422");
    const auth = softAuthenticator(ORIGIN, "gateway.test");
    const good = await auth.register(await registerOptions(user.access));
    const response = good.response as Json;
    const bad: unknown[] = [
      {},
      { credential: null },
      { credential: "x" },
      { credential: [] },
      { credential: good, roles: ["admin"] },
      { credential: good, name: 5 },
      { credential: { ...good, type: "password" } },
      { credential: { ...good, id: "not base64!" } },
      { credential: { ...good, rawId: "AAAA" } },
      { credential: { ...good, response: "x" } },
      { credential: { ...good, response: { ...response, attestationObject: undefined } } },
      { credential: { ...good, response: { ...response, clientDataJSON: b64url("not json") } } },
      { credential: { ...good, response: { ...response, clientDataJSON: b64url("{}") } } },
      { credential: { ...good, response: { ...response, transports: "usb" } } },
      { credential: { ...good, response: { ...response, extra: "x" } } },
    ];
    for (const body of bad) {
      const opens = dbOpens;
      const res = await gw.fetch("/auth/passkeys/register", {
        method: "POST",
        headers: { "content-type": "application/json", ...bearer(user.access) },
        body: JSON.stringify(body),
      });
      expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(422);
      expect((await res.json<Json>()).code).toBe("validation_failed");
      expect(dbOpens, "no database connection for a malformed body").toBe(opens);
    }
    // The challenge was never spent by any of them.
    expect((await postJson(gw, "/auth/passkeys/register", { credential: good }, bearer(user.access))).status).toBe(201);
  });

  it("refuses a credential already registered with 409", async () => {
    const user = await newUser(gw, "pkdup");
    const auth = softAuthenticator(ORIGIN, "gateway.test");
    const credential = await auth.register(await registerOptions(user.access));
    expect((await postJson(gw, "/auth/passkeys/register", { credential }, bearer(user.access))).status).toBe(201);
    // The same authenticator response replayed under a new challenge of the same user.
    const options = await registerOptions(user.access);
    const again = await auth.register(options);
    const copy = { ...again, id: credential.id, rawId: credential.id };
    // A response whose id is not the attested credential's does not verify.
    await expectInvalid(await postJson(gw, "/auth/passkeys/register", { credential: copy }, bearer(user.access)));
    // The same credential id attested again (by this user or another): 409, one row.
    const other = await newUser(gw, "pkdup2");
    const twin = await auth.register(await registerOptions(other.access), { credentialId: credential.id as string });
    const res = await postJson(gw, "/auth/passkeys/register", { credential: twin }, bearer(other.access));
    expect(res.status).toBe(409);
    expect((await res.json<Json>()).code).toBe("conflict");
    const rows = await query(gw.databaseUrl, "SELECT 1 FROM passkeys WHERE credential_id = $1", [credential.id]);
    expect(rows).toHaveLength(1);
  });
});

describe("passkey list and delete", () => {
  it("deletes one's own passkey (204) and answers 404 for another user's or an unknown id", async () => {
    const a = await userWithPasskey();
    const b = await newUser(gw, "pkother");
    const foreign = await gw.fetch(`/auth/passkeys/${a.passkeyId}`, { method: "DELETE", headers: bearer(b.access) });
    expect(foreign.status).toBe(404);
    expect((await foreign.json<Json>()).code).toBe("not_found");
    for (const id of ["nope", crypto.randomUUID()]) {
      expect((await gw.fetch(`/auth/passkeys/${id}`, { method: "DELETE", headers: bearer(a.access) })).status).toBe(404);
    }
    const own = await gw.fetch(`/auth/passkeys/${a.passkeyId}`, { method: "DELETE", headers: bearer(a.access) });
    expect(own.status).toBe(204);
    const list = await (await gw.fetch("/auth/passkeys", { headers: bearer(a.access) })).json<{ passkeys: unknown[] }>();
    expect(list.passkeys).toHaveLength(0);
    // A deleted passkey no longer signs in.
    await expectInvalid(await login(await a.auth.assert(await loginOptions())));
  });
});

describe("passkey login", () => {
  it("offers discoverable-credential options with UV required and no allowCredentials", async () => {
    const options = await loginOptions();
    expect(options.rpId).toBe("gateway.test");
    expect(options.userVerification).toBe("required");
    expect(options.allowCredentials ?? []).toEqual([]);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("signs in with the bearer transport, and the token works", async () => {
    const user = await userWithPasskey();
    const res = await login(await user.auth.assert(await loginOptions()));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<{ access_token: string; user: { email: string; last_login: string } }>();
    expect(body.user.email).toBe(user.email);
    expect(body.user.last_login).toBe(new Date(clock).toISOString());
    const me = await gw.fetch("/auth/me", { headers: bearer(body.access_token) });
    expect(me.status).toBe(200);
    const list = await (await gw.fetch("/auth/passkeys", { headers: bearer(body.access_token) })).json<{ passkeys: Json[] }>();
    expect(list.passkeys[0]?.last_used_at).toBe(new Date(clock).toISOString());
    // A passkey is a hardware-bound key with user verification: the session has MFA.
    expect(decodeJwt(body.access_token).amr).toEqual(["hwk", "mfa"]);
    const mfa = await (await gw.fetch("/auth/mfa", { headers: bearer(body.access_token) })).json<{ passkeys: number }>();
    expect(mfa.passkeys).toBe(1);
  });

  it("signs in with the cookie transport under the login CSRF rule", async () => {
    const user = await userWithPasskey();
    const res = await postJson(gw, "/auth/passkeys/login", { credential: await user.auth.assert(await loginOptions()) });
    expect(res.status).toBe(200);
    const cookies = cookiesOf(res);
    expect(cookies.get("__Host-access")?.value).toBeTruthy();
    expect(cookies.get("__Secure-refresh")?.value).toBeTruthy();
    const body = await res.json<Json>();
    expect(body.access_token).toBeUndefined();
    const crossSite = await postJson(
      gw,
      "/auth/passkeys/login",
      { credential: await user.auth.assert(await loginOptions()) },
      { origin: "https://evil.test" },
    );
    expect(crossSite.status).toBe(403);
    expect((await crossSite.json<Json>()).code).toBe("csrf_failed");
  });

  it("refuses every failure with the same 401 invalid_credentials", async () => {
    const user = await userWithPasskey();
    const stranger = softAuthenticator(ORIGIN, "gateway.test");
    await stranger.register({ challenge: "x", user: { id: user.credential.userHandle as string } });
    const bodies = new Set<string>();
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["wrong origin", async () => user.auth.assert(await loginOptions(), user.credential, { origin: "https://evil.test" })],
      ["wrong RP id", async () => user.auth.assert(await loginOptions(), user.credential, { rpId: "evil.test" })],
      ["UV missing", async () => user.auth.assert(await loginOptions(), user.credential, { userVerified: false })],
      ["bad signature", async () => user.auth.assert(await loginOptions(), user.credential, { forgeSignature: true })],
      ["wrong type", async () => user.auth.assert(await loginOptions(), user.credential, { type: "webauthn.create" })],
      ["unknown credential", async () => stranger.assert(await loginOptions())],
      ["unknown challenge", async () => user.auth.assert({ challenge: b64url(crypto.getRandomValues(new Uint8Array(32))) })],
      ["wrong user handle", async () => user.auth.assert(await loginOptions(), { ...user.credential, userHandle: b64url("999999999") })],
    ];
    for (const [label, make] of cases) {
      const res = await login(await make());
      expect(res.status, label).toBe(401);
      bodies.add(await expectInvalid(res));
    }
    expect(bodies.size).toBe(1);
    // None of those spent the user's ability to sign in.
    expect((await login(await user.auth.assert(await loginOptions()))).status).toBe(200);
  });

  it("refuses a replayed challenge and an expired one", async () => {
    const user = await userWithPasskey();
    const options = await loginOptions();
    const first = await user.auth.assert(options);
    expect((await login(first)).status).toBe(200);
    await expectInvalid(await login(first));
    await expectInvalid(await login(await user.auth.assert(options)));
    const later = await loginOptions();
    clock += 5 * 60 * 1000 + 1;
    try {
      await expectInvalid(await login(await user.auth.assert(later)));
    } finally {
      clock -= 5 * 60 * 1000 + 1;
    }
  });

  it("lets exactly one of two concurrent uses of one challenge win", async () => {
    const user = await userWithPasskey(5);
    const options = await loginOptions();
    const a = await user.auth.assert(options);
    const b = await user.auth.assert(options);
    const results = await Promise.all([login(a), login(b), login(a)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
  });

  it("refuses and audits a signature counter that went backwards; counter-0 authenticators stay allowed", async () => {
    const counting = await userWithPasskey(10);
    expect((await login(await counting.auth.assert(await loginOptions()))).status).toBe(200);
    counting.credential.counter = 3; // a cloned authenticator
    await expectInvalid(await login(await counting.auth.assert(await loginOptions())));
    await gw.settle();
    const events = await query<{ event_type: string }>(
      gw.databaseUrl,
      "SELECT event_type FROM auth_events WHERE event_type = 'passkey_counter_regression' AND detail->>'reason' = 'counter_regression'",
    );
    expect(events.length).toBeGreaterThan(0);
    const rows = await query<{ counter: string }>(gw.databaseUrl, "SELECT counter FROM passkeys WHERE id = $1", [counting.passkeyId]);
    expect(Number(rows[0]?.counter)).toBe(11);

    const zero = await userWithPasskey(0);
    for (let i = 0; i < 2; i++) expect((await login(await zero.auth.assert(await loginOptions()))).status).toBe(200);
  });

  it("refuses two concurrent assertions carrying the same counter: one wins", async () => {
    const user = await userWithPasskey(20);
    const [o1, o2] = [await loginOptions(), await loginOptions()];
    const a = await user.auth.assert(o1);
    user.credential.counter -= 1; // the second assertion carries the same counter value
    const b = await user.auth.assert(o2);
    const results = await Promise.all([login(a), login(b)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("answers 403 account_disabled for a disabled account with a valid passkey", async () => {
    const user = await userWithPasskey();
    await query(gw.databaseUrl, "UPDATE users SET account_status = 'disabled' WHERE lower(email) = $1", [user.email]);
    const res = await login(await user.auth.assert(await loginOptions()));
    expect(res.status).toBe(403);
    expect((await res.json<Json>()).code).toBe("account_disabled");
  });

  it("refuses malformed login JSON with 422 and touches nothing", async () => {
    const user = await userWithPasskey();
    const options = await loginOptions();
    const good = await user.auth.assert(options);
    const response = good.response as Json;
    const bad: unknown[] = [
      {},
      { credential: good, transport: "smoke" },
      { credential: good, email: "x@example.com" },
      { credential: { ...good, response: { ...response, signature: 42 } } },
      { credential: { ...good, response: { ...response, authenticatorData: undefined } } },
      { credential: { ...good, clientExtensionResults: [] } },
      { credential: { ...good, authenticatorAttachment: "usb" } },
    ];
    for (const body of bad) {
      const opens = dbOpens;
      const res = await postJson(gw, "/auth/passkeys/login", body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(422);
      expect(dbOpens).toBe(opens);
    }
    const bad2 = await postJson(gw, "/auth/passkeys/login", "{\"credential\": ");
    expect(bad2.status).toBe(422);
    expect((await login(good)).status).toBe(200);
  });

  it("counts against the login limit of the IP, and so do its options", async () => {
    const user = await userWithPasskey();
    const ip = nextIp();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const options = await loginOptions();
      statuses.push((await login(await user.auth.assert(options), {}, { "cf-connecting-ip": ip })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const optionStatuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      optionStatuses.push((await postJson(gw, "/auth/passkeys/login/options", undefined, { "cf-connecting-ip": ip })).status);
    }
    expect(optionStatuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
