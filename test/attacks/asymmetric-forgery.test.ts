// Every forgery against EdDSA / ES256 access tokens: each must be 401
// invalid_token at /auth/me and on a proxied path, and reach nothing upstream.
// The payloads are the genuine ones, so only the header or signature is wrong.
import { SignJWT, base64url } from "jose";
import { describe, expect, it } from "vitest";
import { keyIdFor } from "../../src/auth/access-tokens";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";
import { newKeyPair, signingVars, type Alg } from "../helpers/keys";
import { recordedFor } from "../helpers/upstream";

const enc = (v: unknown) => base64url.encode(typeof v === "string" ? v : JSON.stringify(v));
const utf8 = (s: string) => new TextEncoder().encode(s);

async function hmacToken(header: Record<string, unknown>, payload: Record<string, unknown>, secret: Uint8Array): Promise<string> {
  const signingInput = `${enc(header)}.${enc(payload)}`;
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `${signingInput}.${base64url.encode(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(signingInput))))}`;
}

describe.each<Alg>(["EdDSA", "ES256"])("forged tokens under JWT_ALGORITHM=%s", async (alg) => {
  const other: Alg = alg === "EdDSA" ? "ES256" : "EdDSA";
  const key = await newKeyPair(alg);
  const gw = await testGateway(signingVars(key));
  const user = await newUser(gw, "forge");
  const payload = JSON.parse(new TextDecoder().decode(base64url.decode(user.access.split(".")[1] as string))) as Record<string, unknown>;
  const foreign = await newKeyPair(alg);
  const foreignOther = await newKeyPair(other);
  const header = { alg, typ: "at+jwt", kid: key.kid };
  const signWith = (k: CryptoKey, h: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader(h as { alg: string }).sign(k);

  const cases: Array<[string, () => Promise<string>]> = [
    ["alg none with the real kid", async () => `${enc({ alg: "none", typ: "at+jwt", kid: key.kid })}.${enc(payload)}.`],
    ["HS256 keyed with the public x bytes (alg confusion)", async () =>
      hmacToken({ ...header, alg: "HS256" }, payload, base64url.decode(key.publicJwk.x as string))],
    ["HS256 keyed with the public JWK's JSON (alg confusion)", async () =>
      hmacToken({ ...header, alg: "HS256" }, payload, utf8(JSON.stringify(key.publicJwk)))],
    ["HS256 under JWT_SECRET, with its own kid (valid only under HS256)", async () =>
      hmacToken({ alg: "HS256", typ: "at+jwt", kid: await keyIdFor(gw.env.JWT_SECRET) }, payload, utf8(gw.env.JWT_SECRET))],
    ["HS256 under JWT_SECRET, with the real kid", async () =>
      hmacToken({ ...header, alg: "HS256" }, payload, utf8(gw.env.JWT_SECRET))],
    ["a foreign key presenting the real kid", async () => signWith(foreign.privateKey, header)],
    ["a foreign key with its own kid", async () => signWith(foreign.privateKey, { ...header, kid: foreign.kid })],
    [`an ${other} token presenting the real kid`, async () => signWith(foreignOther.privateKey, { ...header, alg: other })],
    [`an ${other} token with its own kid`, async () => signWith(foreignOther.privateKey, { alg: other, typ: "at+jwt", kid: foreignOther.kid })],
    ["a foreign key embedded as a jwk header", async () =>
      signWith(foreign.privateKey, { ...header, kid: foreign.kid, jwk: foreign.publicJwk })],
    ["a jku pointing at the attacker's key set", async () =>
      signWith(foreign.privateKey, { ...header, kid: foreign.kid, jku: "https://evil.example/jwks.json" })],
    ["edited payload under the real signature", async () => {
      const [h, , s] = user.access.split(".");
      return `${h}.${enc({ ...payload, roles: ["admin"] })}.${s}`;
    }],
    ["real header and payload, signature stripped", async () => user.access.split(".").slice(0, 2).join(".") + "."],
    ["the real signature under a rewritten alg name", async () => {
      const [, p, s] = user.access.split(".");
      return `${enc({ ...header, alg: alg === "EdDSA" ? "Ed25519" : "ES384" })}.${p}.${s}`;
    }],
    ["missing kid", async () => signWith(foreign.privateKey, { alg, typ: "at+jwt" })],
  ];

  it("still accepts the genuine token (the control)", async () => {
    expect((await gw.fetch("/auth/me", { headers: bearer(user.access) })).status).toBe(200);
  });

  it.each(cases)("refuses %s", async (_name, make) => {
    const token = await make();
    const me = await gw.fetch("/auth/me", { headers: bearer(token) });
    expect(me.status).toBe(401);
    expect((await me.json<{ code: string }>()).code).toBe("invalid_token");
    const m = `f${crypto.randomUUID().slice(0, 8)}`;
    const proxied = await gw.fetch(`/api/${m}`, { headers: bearer(token) });
    expect(proxied.status).toBe(401);
    expect(proxied.headers.get("www-authenticate")).toBe('Bearer error="invalid_token"');
    expect(await recordedFor(m)).toHaveLength(0);
  });

  it(`refuses a genuine ${other} gateway's token under ${alg}`, async () => {
    const otherKey = await newKeyPair(other);
    const otherGw = await testGateway(signingVars(otherKey), {}, { databaseUrl: gw.databaseUrl });
    const theirs = await newUser(otherGw, "cross");
    const res = await gw.fetch("/auth/me", { headers: bearer(theirs.access) });
    expect(res.status).toBe(401);
    expect((await res.json<{ code: string }>()).code).toBe("invalid_token");
  });
});
