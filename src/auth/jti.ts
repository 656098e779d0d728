/**
 * Access-token ids are UUIDv7 (RFC 9562): 48 bits of issuance time in
 * milliseconds, then randomness. `iat` has whole seconds only; the jti's
 * milliseconds let a revoked-before time set mid-second (an admin changing a
 * user's roles) refuse the tokens issued earlier in that second while
 * accepting the ones issued after it.
 *
 * @example
 * const jti = newJti(Date.now());
 * jtiIssuedMs(jti, iat); // the issuance time in ms, or iat * 1000 for other ids
 */
const V7_RE = /^([0-9a-f]{8})-([0-9a-f]{4})-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function newJti(nowMs: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) bytes[5 - i] = Math.floor(ms / 2 ** (8 * i)) % 256;
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** When the token was issued, in ms: from a UUIDv7 jti within its `iat` second, else `iat` itself. */
export function jtiIssuedMs(jti: string, iat: number): number {
  const m = V7_RE.exec(jti);
  if (m) {
    const ms = parseInt(`${m[1]}${m[2]}`, 16);
    if (ms >= iat * 1000 && ms < (iat + 1) * 1000) return ms;
  }
  return iat * 1000;
}
