/**
 * Opaque tokens (refresh, password reset, email verification): 256 random
 * bits, base64url; only their SHA-256 hash is stored. A rotated refresh
 * token's successor is sealed under a key derived from the spent token, so
 * only someone holding the spent token (a second tab, within the grace
 * window) can read it back; the database alone cannot.
 */
const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromB64url(s: string): Uint8Array {
  const bin = atob(s.replaceAll("-", "+").replaceAll("_", "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

export function newOpaqueToken(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Cheap shape check before any database work: a well-formed token is 43 base64url chars. */
export function isOpaqueToken(v: string): boolean {
  return TOKEN_RE.test(v);
}

export async function hashToken(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(token)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sealKey(spent: string): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest("SHA-256", encoder.encode(`successor:${spent}`));
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function sealSuccessor(spent: string, successor: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await sealKey(spent), encoder.encode(successor)),
  );
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return b64url(out);
}

export async function openSuccessor(spent: string, sealed: string): Promise<string | undefined> {
  try {
    const bytes = fromB64url(sealed);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.subarray(0, 12) },
      await sealKey(spent),
      bytes.subarray(12),
    );
    return new TextDecoder().decode(plain);
  } catch {
    return undefined;
  }
}
