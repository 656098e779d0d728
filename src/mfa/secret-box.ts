/**
 * TOTP secrets at rest: AES-256-GCM under MFA_ENCRYPTION_KEY, with a key id
 * in the stored string so keys can rotate. Stored form:
 * `v1.<kid>.<iv base64url>.<ciphertext+tag base64url>`. The AES key is
 * HKDF-SHA-256 of the configured string's UTF-8 bytes; the kid is a short,
 * non-secret digest of it. The additional data binds a ciphertext to its
 * purpose and user, so a row copied onto another user does not decrypt.
 *
 * `open` also answers `stale: true` when the secret was sealed under one of
 * MFA_PREVIOUS_ENCRYPTION_KEYS: the caller re-seals it under the current key.
 *
 * @example
 * const box = secretBox(config);
 * const sealed = await box.seal("JBSWY3DPEHPK3PXP", "totp:42");
 * const { plaintext, stale } = await box.open(sealed, "totp:42");
 */
import type { Config } from "../config";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const VERSION = "v1";
const IV_BYTES = 12;

export interface SecretBox {
  seal(plaintext: string, aad: string): Promise<string>;
  /** Throws when the string is malformed, its key unknown, or it does not authenticate. */
  open(sealed: string, aad: string): Promise<{ plaintext: string; stale: boolean }>;
}

interface KeyEntry {
  kid: string;
  key: CryptoKey;
}

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromB64url(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error("malformed sealed secret");
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function keyEntry(secret: string): Promise<KeyEntry> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`mfa-kid:${secret}`)));
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("tdah-gateway/mfa"), info: encoder.encode("totp-secret-v1") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return { kid: b64url(digest.subarray(0, 8)), key };
}

/**
 * A box over explicit keys: `current` seals, every key opens.
 *
 * @example
 * const box = createSecretBox("64 hex characters...", ["the previous key..."]);
 */
export function createSecretBox(current: string, previous: readonly string[] = []): SecretBox {
  // Resolved keys are kept (never a promise shared across requests).
  let ring: { current: KeyEntry; byKid: Map<string, KeyEntry> } | undefined;
  const keys = async () => {
    if (ring) return ring;
    const cur = await keyEntry(current);
    const byKid = new Map<string, KeyEntry>([[cur.kid, cur]]);
    for (const p of previous) {
      const e = await keyEntry(p);
      if (!byKid.has(e.kid)) byKid.set(e.kid, e);
    }
    ring = { current: cur, byKid };
    return ring;
  };

  return {
    async seal(plaintext, aad) {
      const { current: cur } = await keys();
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const ct = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
        cur.key,
        encoder.encode(plaintext),
      );
      return `${VERSION}.${cur.kid}.${b64url(iv)}.${b64url(new Uint8Array(ct))}`;
    },
    async open(sealed, aad) {
      const parts = sealed.split(".");
      if (parts.length !== 4 || parts[0] !== VERSION) throw new Error("malformed sealed secret");
      const { current: cur, byKid } = await keys();
      const entry = byKid.get(parts[1] as string);
      if (!entry) throw new Error("sealed under an unknown key");
      const iv = fromB64url(parts[2] as string);
      const pt = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: encoder.encode(aad) },
        entry.key,
        fromB64url(parts[3] as string),
      );
      return { plaintext: decoder.decode(pt), stale: entry.kid !== cur.kid };
    },
  };
}

const boxes = new WeakMap<Config, SecretBox>();

/** The secret box of this configuration, built once per isolate. */
export function secretBox(config: Config): SecretBox {
  let b = boxes.get(config);
  if (!b) {
    b = createSecretBox(config.mfaEncryptionKey, config.mfaPreviousEncryptionKeys);
    boxes.set(config, b);
  }
  return b;
}
