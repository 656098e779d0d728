// Every way of presenting a forged or bent access token, against a protected
// proxied path and /auth/me: each must be 401 and reach nothing upstream.
import { SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { keyIdFor } from "../../src/auth/access-tokens";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";
import { recordedFor } from "../helpers/upstream";

const gw = await testGateway();
const secret = new TextEncoder().encode(gw.env.JWT_SECRET);
const kid = await keyIdFor(gw.env.JWT_SECRET);
const now = Math.floor(Date.now() / 1000);
const user = await newUser(gw, "jwt");
const goodPayload = JSON.parse(new TextDecoder().decode(base64url.decode(user.access.split(".")[1] as string))) as Record<string, unknown>;

const enc = (v: unknown) => base64url.encode(typeof v === "string" ? v : JSON.stringify(v));

async function sign(header: Record<string, unknown>, payload: Record<string, unknown> = goodPayload, key: Uint8Array = secret): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid, ...header } as { alg: string }).sign(key);
}

async function hmac(data: string, alg = "SHA-256"): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: alg }, false, ["sign"]);
  return base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(data))));
}

/** A token whose header and payload are arbitrary strings, correctly HMAC-SHA256-signed. */
async function raw(headerPart: string, payloadPart: string): Promise<string> {
  return `${headerPart}.${payloadPart}.${await hmac(`${headerPart}.${payloadPart}`)}`;
}

const cases: Array<[string, () => Promise<string>]> = [
  ["alg none", async () => `${enc({ alg: "none", typ: "at+jwt", kid })}.${enc(goodPayload)}.`],
  ["alg None (case)", async () => `${enc({ alg: "None", typ: "at+jwt", kid })}.${enc(goodPayload)}.`],
  ["alg swap to RS256 with the HMAC key", async () => raw(enc({ alg: "RS256", typ: "at+jwt", kid }), enc(goodPayload))],
  ["HS384", async () => sign({ alg: "HS384" })],
  ["HS512", async () => sign({ alg: "HS512" })],
  ["edited payload", async () => {
    const [h, , s] = user.access.split(".");
    return `${h}.${enc({ ...goodPayload, roles: ["admin"] })}.${s}`;
  }],
  ["stripped signature", async () => user.access.split(".").slice(0, 2).join(".") + "."],
  ["signature of another key", async () => sign({}, goodPayload, new TextEncoder().encode("k".repeat(64)))],
  ["unknown kid", async () => sign({ kid: "not-a-key" })],
  ["missing kid", async () => raw(enc({ alg: "HS256", typ: "at+jwt" }), enc(goodPayload))],
  ["kid path injection", async () => sign({ kid: "../../../../dev/null" })],
  ["kid SQL injection", async () => sign({ kid: "' OR '1'='1" })],
  ["jku header", async () => sign({ jku: "https://evil.example/jwks.json" })],
  ["jwk header", async () => sign({ jwk: { kty: "oct", k: base64url.encode("x") } })],
  ["x5u header", async () => sign({ x5u: "https://evil.example/cert.pem" })],
  ["crit header", async () => raw(enc({ alg: "HS256", typ: "at+jwt", kid, crit: ["x-ext"], "x-ext": 1 }), enc(goodPayload))],
  ["wrong typ", async () => sign({ typ: "JWT" })],
  ["refresh-like typ", async () => sign({ typ: "rt+jwt" })],
  ["wrong issuer", async () => sign({}, { ...goodPayload, iss: "https://evil.example" })],
  ["wrong audience", async () => sign({}, { ...goodPayload, aud: "someone-else" })],
  ["expired", async () => sign({}, { ...goodPayload, iat: now - 7200, nbf: now - 7200, exp: now - 3600 })],
  ["not yet valid", async () => sign({}, { ...goodPayload, nbf: now + 3600, exp: now + 7200 })],
  ["missing sid", async () => {
    const { sid: _sid, ...rest } = goodPayload;
    return sign({}, rest);
  }],
  ["roles not an array", async () => sign({}, { ...goodPayload, roles: "admin" })],
  ["sub a number", async () => sign({}, { ...goodPayload, sub: 1 })],
  ["bad base64 header", async () => `%%%.${enc(goodPayload)}.${await hmac("x")}`],
  ["non-JSON header", async () => raw(enc("not json"), enc(goodPayload))],
  ["non-JSON payload", async () => raw(enc({ alg: "HS256", typ: "at+jwt", kid }), enc("not json"))],
  ["invalid UTF-8 payload", async () => raw(enc({ alg: "HS256", typ: "at+jwt", kid }), base64url.encode(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])))],
  ["two segments", async () => user.access.split(".").slice(0, 2).join(".")],
  ["100 KB token", async () => sign({}, { ...goodPayload, pad: "x".repeat(100 * 1024) })],
  ["empty bearer", async () => ""],
];

describe("JWT tampering", () => {
  it("accepts the genuine token (control)", async () => {
    expect((await gw.fetch("/auth/me", { headers: bearer(user.access) })).status).toBe(200);
  });

  it.each(cases)("refuses %s with 401 and calls nothing upstream", async (name, make) => {
    const token = await make();
    const marker = `jwt-${crypto.randomUUID().slice(0, 8)}`;
    const proxied = await gw.fetch(`/api/${marker}`, { headers: { authorization: `Bearer ${token}` } });
    expect(proxied.status, name).toBe(401);
    const body = await proxied.json<{ code: string }>();
    expect(["invalid_token", "token_expired", "unauthorized"]).toContain(body.code);
    expect(JSON.stringify(body)).not.toContain(token.slice(0, 20) || "\u0000");
    expect(await recordedFor(marker)).toHaveLength(0);
    expect((await gw.fetch("/auth/me", { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it("names expiry token_expired and the rest invalid_token", async () => {
    const expired = await sign({}, { ...goodPayload, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    expect((await (await gw.fetch("/auth/me", { headers: bearer(expired) })).json<{ code: string }>()).code).toBe("token_expired");
    const hs512 = await sign({ alg: "HS512" });
    expect((await (await gw.fetch("/auth/me", { headers: bearer(hs512) })).json<{ code: string }>()).code).toBe("invalid_token");
  });

  it("keeps accepting tokens of a previous key during rotation, and only then", async () => {
    const oldSecret = gw.env.JWT_SECRET;
    const rotated = await testGateway(
      { JWT_SECRET: "9".repeat(32) + "abcdef0123456789abcdef0123456789", JWT_PREVIOUS_SECRETS: oldSecret },
      {},
      { databaseUrl: gw.databaseUrl },
    );
    expect((await rotated.fetch("/auth/me", { headers: bearer(user.access) })).status).toBe(200);
    const dropped = await testGateway(
      { JWT_SECRET: "9".repeat(32) + "abcdef0123456789abcdef0123456789" },
      {},
      { databaseUrl: gw.databaseUrl },
    );
    expect((await dropped.fetch("/auth/me", { headers: bearer(user.access) })).status).toBe(401);
  });
});
