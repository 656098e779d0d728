// Hostile bodies against every /auth endpoint that takes one: SQL injection,
// type confusion, prototype pollution, duplicate keys, deep nesting, huge
// strings, Unicode traps. Each must be refused or treated as data, and change nothing.
import { describe, expect, it } from "vitest";
import type { PasswordHasher } from "../../src/auth/passwords";
import { query } from "../helpers/database";
import { testGateway } from "../helpers/gateway";
import { GOOD_PASSWORD, bearer, loginBearer, newUser, postJson, register, uniqueEmail } from "../helpers/http";

const counter = { hashes: 0, verifies: 0 };
const counting = (real: PasswordHasher): PasswordHasher => ({
  hash: (p) => {
    counter.hashes += 1;
    return real.hash(p);
  },
  verify: (p, s) => {
    counter.verifies += 1;
    return real.verify(p, s);
  },
});
const gw = await testGateway({ RATE_LIMIT_LOGIN: "100000/1m", RATE_LIMIT_REGISTER: "100000/1m", RATE_LIMIT_FORGOT_IP: "100000/1m", RATE_LIMIT_FORGOT_EMAIL: "100000/1m" }, { passwords: counting });
const victim = await newUser(gw, "victim");

async function userCount(): Promise<number> {
  return Number((await query<{ n: string }>(gw.databaseUrl, "SELECT COUNT(*) AS n FROM users"))[0]?.n);
}

const ENDPOINTS: Array<[string, Record<string, string>]> = [
  ["/auth/register", { email: uniqueEmail("inj"), password: GOOD_PASSWORD }],
  ["/auth/login", { email: victim.email, password: GOOD_PASSWORD, transport: "bearer" }],
  ["/auth/password/forgot", { email: victim.email }],
  ["/auth/password/reset", { token: "A".repeat(43), password: GOOD_PASSWORD }],
  ["/auth/email/verify", { token: "A".repeat(43) }],
  ["/auth/refresh", { refresh_token: "A".repeat(43) }],
];

const CONFUSIONS: Array<[string, unknown]> = [
  ["array", ["x"]],
  ["object", { $ne: null }],
  ["null", null],
  ["number", 12345678],
  ["boolean", true],
];

describe("type confusion", () => {
  for (const [path, valid] of ENDPOINTS) {
    for (const field of Object.keys(valid)) {
      it(`${path} refuses ${field} as non-strings with 422 and changes nothing`, async () => {
        const before = await userCount();
        for (const [, bad] of CONFUSIONS) {
          const res = await postJson(gw, path, { ...valid, [field]: bad });
          expect(res.status, `${field}=${JSON.stringify(bad)}`).toBe(422);
          const body = await res.json<{ code: string; errors: { field: string }[] }>();
          expect(body.code).toBe("validation_failed");
          expect(body.errors.map((e) => e.field)).toContain(field);
        }
        expect(await userCount()).toBe(before);
      });
    }
  }

  it("refuses __proto__, constructor and duplicate keys", async () => {
    const before = await userCount();
    const bodies = [
      `{"email":"${uniqueEmail()}","password":"${GOOD_PASSWORD}","__proto__":{"roles":["admin"]}}`,
      `{"email":"${uniqueEmail()}","password":"${GOOD_PASSWORD}","constructor":{"prototype":{"admin":true}}}`,
      `{"email":"${uniqueEmail()}","password":"${GOOD_PASSWORD}","password":"other-Pass-123"}`,
      `{"email":"${uniqueEmail()}","password":"${GOOD_PASSWORD}","\\u0065mail":"x@example.com"}`,
    ];
    for (const body of bodies) {
      const res = await postJson(gw, "/auth/register", body);
      expect(res.status, body).toBe(422);
    }
    expect(await userCount()).toBe(before);
    expect(({} as Record<string, unknown>).roles).toBeUndefined();
  });

  it("refuses deep nesting and non-JSON content types", async () => {
    const deep = `{"email":${"[".repeat(5000)}${"]".repeat(5000)},"password":"x"}`;
    expect((await postJson(gw, "/auth/login", deep)).status).toBe(422);
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const res = await gw.fetch("/auth/register", {
        method: "POST",
        headers: { "content-type": type, origin: "https://gateway.test" },
        body: JSON.stringify({ email: uniqueEmail(), password: GOOD_PASSWORD }),
      });
      expect(res.status, type).toBe(422);
    }
  });
});

describe("SQL injection", () => {
  const payloads = [
    "' OR '1'='1",
    "victim@example.com' --",
    "'; DROP TABLE users; --",
    "a@example.com'); DELETE FROM auth_tokens; --",
    "\\' OR 1=1 --",
  ];

  it("treats injection in emails, passwords and tokens as data", async () => {
    const before = await userCount();
    for (const p of payloads) {
      const login = await postJson(gw, "/auth/login", { email: `${p}@example.com`, password: p, transport: "bearer" });
      expect([401, 422]).toContain(login.status);
      const login2 = await postJson(gw, "/auth/login", { email: victim.email, password: p, transport: "bearer" });
      expect(login2.status).toBe(401);
      expect((await postJson(gw, "/auth/password/forgot", { email: p })).status).toBe(422);
      expect((await postJson(gw, "/auth/email/verify", { token: p })).status).toBe(400);
      expect((await postJson(gw, "/auth/refresh", { refresh_token: p })).status).toBe(401);
      // 404 (no such session) or, for an encoded backslash, 400 bad_path: never a deletion.
      const del = await gw.fetch(`/auth/sessions/${encodeURIComponent(p)}`, { method: "DELETE", headers: bearer(victim.access) });
      expect([400, 404]).toContain(del.status);
    }
    expect(await userCount()).toBe(before);
    expect((await query(gw.databaseUrl, "SELECT 1 FROM auth_tokens LIMIT 1")).length).toBe(1);
    await expect(loginBearer(gw, victim.email)).resolves.toBeDefined();
  });

  it("stores an email with quotes literally", async () => {
    const email = `o'brien-${crypto.randomUUID().slice(0, 6)}@example.com`;
    expect((await register(gw, email)).status).toBe(202);
    await expect(loginBearer(gw, email)).resolves.toMatchObject({ body: { user: { email } } });
  });
});

describe("resource exhaustion", () => {
  it("refuses a 1 MB password before hashing (413), and a 2 KB one with 422 without hashing", async () => {
    const start = { ...counter };
    const huge = await postJson(gw, "/auth/login", { email: victim.email, password: "x".repeat(1024 * 1024), transport: "bearer" });
    expect(huge.status).toBe(413);
    const long = await postJson(gw, "/auth/login", { email: victim.email, password: "x".repeat(2048), transport: "bearer" });
    expect(long.status).toBe(422);
    const reg = await postJson(gw, "/auth/register", { email: uniqueEmail(), password: "Aa1!".repeat(600) });
    expect(reg.status).toBe(422);
    expect(counter.hashes).toBe(start.hashes);
    expect(counter.verifies).toBe(start.verifies);
  });

  it("refuses a chunked body that grows past the limit, and a lying content-length", async () => {
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(4096).fill(0x20));
      },
    });
    const res = await gw.fetch("/auth/login", { method: "POST", headers: { "content-type": "application/json", origin: "https://gateway.test" }, body: stream });
    expect(res.status).toBe(413);
    const lying = await gw.fetch("/auth/login", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "999999999" },
      body: "{}",
    });
    expect(lying.status).toBe(413);
  });

  it("survives huge cookie and header values on protected and auth paths", async () => {
    const cookie = `access=${"a".repeat(12000)}; __Host-access=${"b".repeat(12000)}`;
    const res = await gw.fetch("/api/x", { headers: { cookie } });
    expect(res.status).toBe(401);
    const res2 = await gw.fetch("/auth/me", { headers: { authorization: `Bearer ${"c".repeat(60000)}` } });
    expect(res2.status).toBe(401);
    expect((await res2.json<{ code: string }>()).code).toBe("invalid_token");
  });
});

describe("Unicode traps", () => {
  it("refuses lone surrogates and NUL in passwords", async () => {
    for (const password of ["Abcdefg1\uD800xyz!", "Abcdefg1\u0000xyz!", "\uDC00Correct-Horse-42"]) {
      const res = await postJson(gw, "/auth/register", { email: uniqueEmail("sur"), password });
      expect(res.status).toBe(422);
      expect((await res.json<{ code: string }>()).code).toBe("weak_password");
    }
  });

  it("refuses a password whose NFKC form passes 256 code points", async () => {
    // U+FDFA expands to 18 code points under NFKC: 20 of them are 20 code points raw, 360 normalised.
    const res = await postJson(gw, "/auth/register", { email: uniqueEmail("nfkc"), password: "\uFDFA".repeat(20) });
    expect(res.status).toBe(422);
    expect((await res.json<{ code: string; detail: string }>()).detail).toMatch(/256/);
  });

  it("treats case-folding and compatibility variants of an email as the same account", async () => {
    const local = `kelvin${crypto.randomUUID().slice(0, 6)}`;
    const email = `${local}@example.com`;
    expect((await register(gw, email)).status).toBe(202);
    const before = await userCount();
    for (const variant of [email.replace("k", "\u212A"), email.toUpperCase(), email.replace("e", "\uFF45")]) {
      expect((await register(gw, variant, "Other-Pass-4242")).status).toBe(202);
    }
    expect(await userCount()).toBe(before);
    await expect(loginBearer(gw, email.replace("k", "\u212A"))).resolves.toBeDefined();
  });

  it("refuses lone surrogates in emails", async () => {
    const res = await postJson(gw, "/auth/register", { email: "a\uD800@example.com", password: GOOD_PASSWORD });
    expect(res.status).toBe(422);
  });
});
