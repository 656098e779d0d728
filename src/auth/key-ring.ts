/**
 * The imported signing and verification keys of one configuration, built
 * once per isolate: with HS256, JWT_SECRET signs and it or any of
 * JWT_PREVIOUS_SECRETS verifies; with EdDSA or ES256, JWT_PRIVATE_KEY signs
 * and its public half or any of JWT_PREVIOUS_PUBLIC_KEYS verifies. Every key
 * of a ring belongs to the one configured algorithm, so verification pins it.
 *
 * A private key that WebCrypto refuses, or whose public members do not match
 * it, is a ConfigError naming JWT_PRIVATE_KEY (never its value).
 *
 * @example
 * const ring = await keyRing(config);
 * const key = ring.byKid.get(header.kid); // undefined: refuse the token
 */
import { importJWK } from "jose";
import type { Config } from "../config";
import { ConfigError } from "../config-reader";
import type { JwtAlgorithm, PublicJwk } from "./signing-keys";

export interface KeyRing {
  alg: JwtAlgorithm;
  signKid: string;
  signKey: CryptoKey;
  byKid: ReadonlyMap<string, CryptoKey>;
}

const encoder = new TextEncoder();

/** A short, non-secret key id for an HMAC secret: base64url of SHA-256("kid:" + secret), 16 chars. */
export async function keyIdFor(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`kid:${secret}`)));
  let bin = "";
  for (const b of digest.subarray(0, 12)) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

async function importAsymmetric(jwk: JsonWebKey, alg: JwtAlgorithm, name: string): Promise<CryptoKey> {
  try {
    return (await importJWK(jwk, alg)) as CryptoKey;
  } catch {
    throw new ConfigError([`${name} is not a usable ${alg} key (its members do not form a valid key)`]);
  }
}

function publicMembers(k: PublicJwk): JsonWebKey {
  return k.y === undefined ? { kty: k.kty, crv: k.crv, x: k.x } : { kty: k.kty, crv: k.crv, x: k.x, y: k.y };
}

async function buildHmacRing(config: Config): Promise<KeyRing> {
  const byKid = new Map<string, CryptoKey>();
  const signKid = await keyIdFor(config.jwtSecret);
  const signKey = await importHmacKey(config.jwtSecret);
  byKid.set(signKid, signKey);
  for (const secret of config.jwtPreviousSecrets) {
    const kid = await keyIdFor(secret);
    if (!byKid.has(kid)) byKid.set(kid, await importHmacKey(secret));
  }
  return { alg: "HS256", signKid, signKey, byKid };
}

const PROBE = encoder.encode("jwt-private-key-self-check");

async function buildRing(config: Config): Promise<KeyRing> {
  const s = config.signing;
  if (s.algorithm === "HS256") return buildHmacRing(config);
  const alg = s.algorithm;
  const signKey = await importAsymmetric(s.current.privateJwk, alg, "JWT_PRIVATE_KEY");
  const ownPublic = await importAsymmetric(publicMembers(s.current.publicJwk), alg, "JWT_PRIVATE_KEY");
  // A private key whose x (and y) belong to another key would sign tokens
  // that the JWKS cannot verify: refuse to start instead.
  const params = alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  const probeSig = await crypto.subtle.sign(params, signKey, PROBE);
  if (!(await crypto.subtle.verify(params, ownPublic, probeSig, PROBE))) {
    throw new ConfigError(["JWT_PRIVATE_KEY's public members (x, y) do not belong to its private key (d)"]);
  }
  const byKid = new Map<string, CryptoKey>([[s.current.publicJwk.kid, ownPublic]]);
  for (const [i, k] of s.previous.entries()) {
    if (!byKid.has(k.kid)) byKid.set(k.kid, await importAsymmetric(publicMembers(k), alg, `JWT_PREVIOUS_PUBLIC_KEYS[${i}]`));
  }
  return { alg, signKid: s.current.publicJwk.kid, signKey, byKid };
}

const rings = new WeakMap<Config, KeyRing>();

/**
 * The key ring of this configuration. The resolved ring is kept (not a
 * promise), so no request awaits a promise born in another request's context.
 */
export async function keyRing(config: Config): Promise<KeyRing> {
  const hit = rings.get(config);
  if (hit) return hit;
  const ring = await buildRing(config);
  rings.set(config, ring);
  return ring;
}
