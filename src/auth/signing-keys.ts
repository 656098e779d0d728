/**
 * Asymmetric signing keys as JWKs: parsing and checking JWT_PRIVATE_KEY and
 * JWT_PREVIOUS_PUBLIC_KEYS (synchronously, so parseConfig can name every
 * problem at once), RFC 7638 thumbprints as `kid`s, and the public key set
 * served at `/auth/.well-known/jwks.json`.
 *
 * Problems name the variable and what is wrong with it, never a key's value.
 *
 * @example
 * const problems: string[] = [];
 * const key = parsePrivateJwk("EdDSA", env.JWT_PRIVATE_KEY, problems);
 * const jwks = publicKeySet("EdDSA", key, []); // { keys: [{ kty: "OKP", crv: "Ed25519", x, kid, alg, use }] }
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";

export type JwtAlgorithm = "HS256" | "EdDSA" | "ES256";
export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, "HS256">;

/** A public signing key as served in the JWKS. */
export interface PublicJwk {
  kty: "OKP" | "EC";
  crv: "Ed25519" | "P-256";
  x: string;
  y?: string;
  kid: string;
  alg: AsymmetricAlgorithm;
  use: "sig";
}

/** The configured private key: its public half (with `kid`) and the private scalar. */
export interface PrivateSigningKey {
  publicJwk: PublicJwk;
  /** The private JWK as WebCrypto imports it (never served, never logged). */
  privateJwk: JsonWebKey;
}

const B64URL = /^[A-Za-z0-9_-]+$/;
/** Byte lengths of each member, per curve (RFC 8037, RFC 7518). */
const SHAPE: Record<AsymmetricAlgorithm, { kty: "OKP" | "EC"; crv: "Ed25519" | "P-256"; members: Record<string, number> }> = {
  EdDSA: { kty: "OKP", crv: "Ed25519", members: { x: 32, d: 32 } },
  ES256: { kty: "EC", crv: "P-256", members: { x: 32, y: 32, d: 32 } },
};

function b64urlLength(s: string): number {
  return Math.floor((s.length * 3) / 4);
}

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: its `kid`. */
export function jwkThumbprint(jwk: { kty: string; crv: string; x: string; y?: string }): string {
  // Required members only, in lexicographic order, no whitespace (RFC 7638 §3.2).
  const canonical =
    jwk.kty === "EC"
      ? JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
      : JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return b64url(sha256(utf8ToBytes(canonical)));
}

function parseJson(name: string, raw: string, problems: string[]): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    problems.push(`${name} must be JSON`);
    return undefined;
  }
}

/** Checks one JWK against the algorithm's key type and curve; pushes problems, returns the public JWK when sound. */
function checkJwk(
  name: string,
  value: unknown,
  alg: AsymmetricAlgorithm,
  wantPrivate: boolean,
  problems: string[],
): PublicJwk | undefined {
  const shape = SHAPE[alg];
  const expected = `an ${shape.kty} ${shape.crv} key for JWT_ALGORITHM=${alg}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${name} must be a JWK (a JSON object)`);
    return undefined;
  }
  const jwk = value as Record<string, unknown>;
  if (jwk["kty"] !== shape.kty) {
    problems.push(`${name} has the wrong key type (kty): it must be ${expected}`);
    return undefined;
  }
  if (jwk["crv"] !== shape.crv) {
    problems.push(`${name} has the wrong curve (crv): it must be ${expected}`);
    return undefined;
  }
  if (jwk["alg"] !== undefined && jwk["alg"] !== alg) {
    problems.push(`${name} is marked for another algorithm (alg): it must be ${expected}`);
    return undefined;
  }
  if (jwk["use"] !== undefined && jwk["use"] !== "sig") {
    problems.push(`${name} is not a signing key (use must be "sig")`);
    return undefined;
  }
  if (wantPrivate && jwk["d"] === undefined) {
    problems.push(`${name} is a public key: it must be the private JWK (with "d"), as \`npm run keys\` prints it`);
    return undefined;
  }
  if (!wantPrivate && jwk["d"] !== undefined) {
    problems.push(`${name} holds a private key: list only public JWKs (without "d")`);
    return undefined;
  }
  for (const [member, bytes] of Object.entries(shape.members)) {
    if (member === "d" && !wantPrivate) continue;
    const v = jwk[member];
    if (typeof v !== "string" || !B64URL.test(v) || b64urlLength(v) !== bytes) {
      problems.push(`${name} member "${member}" must be ${bytes} bytes of base64url`);
      return undefined;
    }
  }
  const pub = { kty: shape.kty, crv: shape.crv, x: jwk["x"] as string, ...(shape.kty === "EC" ? { y: jwk["y"] as string } : {}) };
  return { ...pub, kid: jwkThumbprint(pub), alg, use: "sig" };
}

/** Parses JWT_PRIVATE_KEY for an asymmetric algorithm; undefined (with problems) when missing or bad. */
export function parsePrivateJwk(alg: AsymmetricAlgorithm, raw: string | undefined, problems: string[]): PrivateSigningKey | undefined {
  const name = "JWT_PRIVATE_KEY";
  if (raw === undefined) {
    problems.push(`${name} is required when JWT_ALGORITHM=${alg} (generate one with \`npm run keys -- ${alg}\`)`);
    return undefined;
  }
  const value = parseJson(name, raw, problems);
  if (value === undefined) return undefined;
  const publicJwk = checkJwk(name, value, alg, true, problems);
  if (!publicJwk) return undefined;
  const d = (value as Record<string, unknown>)["d"] as string;
  const { kid: _kid, alg: _alg, use: _use, ...pub } = publicJwk;
  return { publicJwk, privateJwk: { ...pub, d, ext: false } };
}

/** Parses JWT_PREVIOUS_PUBLIC_KEYS (a JSON array of public JWKs of the same algorithm). */
export function parsePreviousPublicJwks(alg: AsymmetricAlgorithm, raw: string | undefined, problems: string[]): PublicJwk[] {
  const name = "JWT_PREVIOUS_PUBLIC_KEYS";
  if (raw === undefined) return [];
  const value = parseJson(name, raw, problems);
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    problems.push(`${name} must be a JSON array of public JWKs`);
    return [];
  }
  const keys: PublicJwk[] = [];
  value.forEach((v: unknown, i) => {
    const k = checkJwk(`${name}[${i}]`, v, alg, false, problems);
    if (k && !keys.some((e) => e.kid === k.kid)) keys.push(k);
  });
  return keys;
}

/** The key set served at `/auth/.well-known/jwks.json`: current key first, then the previous ones. */
export function publicKeySet(current: PrivateSigningKey | undefined, previous: readonly PublicJwk[]): { keys: PublicJwk[] } {
  if (!current) return { keys: [] };
  return { keys: [current.publicJwk, ...previous.filter((k) => k.kid !== current.publicJwk.kid)] };
}
