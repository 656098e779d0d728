import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { createAssertionSigner, type AssertionClaims } from "../../src/proxy/assertion";

const SECRET = "a3f5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5";
const KEY = new TextEncoder().encode(SECRET);
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0, 250);
const CLAIMS: AssertionClaims = {
  sub: "42",
  sid: "sess-1",
  email: "josé@exämple.com",
  email_verified: true,
  roles: ["user", "admin"],
  amr: ["pwd", "otp", "mfa"],
  method: "POST",
  path: "/api/echo",
  requestId: "rid-1",
};
const signer = createAssertionSigner({ secret: SECRET, audience: "upstream", issuer: "https://gw.test" });

describe("createAssertionSigner", () => {
  it("signs an HS256 JWT with typ JWT that verifies under the UTF-8 bytes of the secret", async () => {
    const jwt = await signer.sign(CLAIMS, NOW);
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "HS256", typ: "JWT" });
    const { payload } = await jwtVerify(jwt, KEY, {
      algorithms: ["HS256"],
      typ: "JWT",
      audience: "upstream",
      issuer: "https://gw.test",
      currentDate: new Date(NOW),
    });
    const iat = Math.floor(NOW / 1000);
    // The identity claims travel as given; the request's method, path and id under their short names.
    const { method: _method, path: _path, requestId: _requestId, ...identity } = CLAIMS;
    expect(payload).toEqual({
      iss: "https://gw.test",
      aud: "upstream",
      ...identity,
      mth: "POST",
      pth: "/api/echo",
      rid: "rid-1",
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      iat,
      nbf: iat,
      exp: iat + 60,
    });
  });

  it("lives 60 seconds by default, ttlSeconds otherwise", async () => {
    const verifyAt = (jwt: string, ms: number) => jwtVerify(jwt, KEY, { audience: "upstream", currentDate: new Date(ms) });
    const jwt = await signer.sign(CLAIMS, NOW);
    await expect(verifyAt(jwt, NOW + 59_000)).resolves.toBeDefined();
    await expect(verifyAt(jwt, NOW + 61_000)).rejects.toBeInstanceOf(errors.JWTExpired);
    const short = createAssertionSigner({ secret: SECRET, audience: "upstream", issuer: "i", ttlSeconds: 5 });
    const { payload } = await verifyAt(await short.sign(CLAIMS, NOW), NOW);
    expect((payload.exp as number) - (payload.iat as number)).toBe(5);
  });

  it("follows the clock it is given", async () => {
    const later = NOW + 3_600_000;
    const { payload } = await jwtVerify(await signer.sign(CLAIMS, later), KEY, { currentDate: new Date(later) });
    expect(payload.iat).toBe(Math.floor(later / 1000));
  });

  it("uses a fresh jti per assertion", async () => {
    const a = await jwtVerify(await signer.sign(CLAIMS, NOW), KEY, { currentDate: new Date(NOW) });
    const b = await jwtVerify(await signer.sign(CLAIMS, NOW), KEY, { currentDate: new Date(NOW) });
    expect(a.payload.jti).not.toBe(b.payload.jti);
  });

  it("does not verify under another secret, audience or a hex-decoded key", async () => {
    const jwt = await signer.sign(CLAIMS, NOW);
    const at = { currentDate: new Date(NOW) };
    await expect(jwtVerify(jwt, new TextEncoder().encode("b".repeat(64)), at)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
    const hexBytes = Uint8Array.from(SECRET.match(/../g) ?? [], (h) => parseInt(h, 16));
    await expect(jwtVerify(jwt, hexBytes, at)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(jwtVerify(jwt, KEY, { ...at, audience: "api" })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);
  });

  it("matches what jose signs with the raw secret bytes (same key, same bytes)", async () => {
    const jwt = await signer.sign(CLAIMS, NOW);
    const [h, p] = jwt.split(".") as [string, string, string];
    const reference = await new SignJWT(JSON.parse(new TextDecoder().decode(b64urlDecode(p))) as Record<string, unknown>)
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .sign(KEY);
    expect(reference.split(".")[0]).toBe(h);
    expect(reference).toBe(jwt);
  });

  it("imports the HMAC key once per signer, not once per request", async () => {
    const original = crypto.subtle.importKey.bind(crypto.subtle);
    let imports = 0;
    const subtle = crypto.subtle as { importKey: typeof crypto.subtle.importKey };
    subtle.importKey = ((...args: Parameters<typeof original>) => {
      imports++;
      return original(...args);
    }) as typeof original;
    try {
      const fresh = createAssertionSigner({ secret: SECRET, audience: "upstream", issuer: "i" });
      for (let i = 0; i < 5; i++) await fresh.sign(CLAIMS, NOW);
      expect(imports).toBe(1);
    } finally {
      subtle.importKey = original;
    }
  });

  it("refuses bad options at construction", () => {
    expect(() => createAssertionSigner({ secret: "", audience: "upstream", issuer: "i" })).toThrow(/secret/);
    expect(() => createAssertionSigner({ secret: SECRET, audience: "", issuer: "i" })).toThrow(/audience/);
    expect(() => createAssertionSigner({ secret: SECRET, audience: "a", issuer: "i", ttlSeconds: 0 })).toThrow(/ttl/);
    expect(() => createAssertionSigner({ secret: SECRET, audience: "a", issuer: "i", ttlSeconds: 1.5 })).toThrow(/ttl/);
  });
});

function b64urlDecode(s: string): Uint8Array {
  const b64 = s.replaceAll("-", "+").replaceAll("_", "/");
  return Uint8Array.from(atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}
