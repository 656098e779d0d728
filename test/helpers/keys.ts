/** Fresh EdDSA / ES256 key pairs as JWKs (the shape `npm run keys` prints), for tests in workerd. */
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify, type JWTPayload } from "jose";
import type { TestGateway } from "./gateway";

export type Alg = "EdDSA" | "ES256";

export interface TestKeyPair {
  alg: Alg;
  kid: string;
  privateJwk: JsonWebKey & { kid: string };
  publicJwk: JsonWebKey & { kid: string };
  privateKey: CryptoKey;
}

const PARAMS = { EdDSA: { name: "Ed25519" }, ES256: { name: "ECDSA", namedCurve: "P-256" } } as const;

export async function newKeyPair(alg: Alg): Promise<TestKeyPair> {
  const pair = (await crypto.subtle.generateKey(PARAMS[alg], true, ["sign", "verify"])) as CryptoKeyPair;
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const pub = alg === "ES256" ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  const kid = await calculateJwkThumbprint(pub as Parameters<typeof calculateJwkThumbprint>[0]);
  return {
    alg,
    kid,
    privateJwk: { ...pub, d: jwk.d, kid, alg, use: "sig" },
    publicJwk: { ...pub, kid, alg, use: "sig" },
    privateKey: pair.privateKey,
  };
}

/** Gateway variables that sign with `pair` and still verify with `previous`. */
export function signingVars(pair: TestKeyPair, previous: TestKeyPair[] = []): Record<string, string> {
  return {
    JWT_ALGORITHM: pair.alg,
    JWT_PRIVATE_KEY: JSON.stringify(pair.privateJwk),
    ...(previous.length > 0 ? { JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(previous.map((p) => p.publicJwk)) } : {}),
  };
}

/** Verifies a JWT the way an outside service would: from the gateway's JWKS alone. */
export async function verifyFromJwks(
  gw: TestGateway,
  token: string,
  options: { alg: Alg; audience: string; typ?: string },
): Promise<{ payload: JWTPayload; kid: string | undefined }> {
  const jwks = await (await gw.fetch("/auth/.well-known/jwks.json")).json<{ keys: JsonWebKey[] }>();
  const set = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]);
  const { payload, protectedHeader } = await jwtVerify(token, set, {
    algorithms: [options.alg],
    audience: options.audience,
    ...(options.typ ? { typ: options.typ } : {}),
  });
  return { payload, kid: protectedHeader.kid };
}

export function headerOf(token: string): Record<string, unknown> {
  const part = token.split(".")[0] as string;
  return JSON.parse(atob(part.replaceAll("-", "+").replaceAll("_", "/"))) as Record<string, unknown>;
}
