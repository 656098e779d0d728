/**
 * The relying party, from PUBLIC_URL only (never from a request's Host):
 * `rpID` is its host name, the one accepted origin is its origin.
 */
import type { Config } from "../config";

export interface RelyingParty {
  id: string;
  name: string;
  origin: string;
}

const cache = new WeakMap<Config, RelyingParty>();

/**
 * @example
 * relyingParty(config); // { id: "auth.example.com", name: "auth.example.com", origin: "https://auth.example.com" }
 */
export function relyingParty(config: Config): RelyingParty {
  let rp = cache.get(config);
  if (!rp) {
    const host = new URL(config.publicOrigin).hostname;
    rp = { id: host, name: host, origin: config.publicOrigin };
    cache.set(config, rp);
  }
  return rp;
}

/** WebAuthn's user handle for a user: the decimal id's UTF-8 bytes (no personal data). */
export function userHandle(userId: number | string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(new TextEncoder().encode(String(userId)));
}

/** The same handle as base64url, as an AuthenticationResponseJSON carries it. */
export function userHandleB64(userId: number | string): string {
  return btoa(String(userId)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
