/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, v1 symmetric):
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, with
 * `webhook-id` (stable across retries, so a receiver can drop repeats) and
 * `webhook-timestamp` (epoch seconds of the attempt, so it can refuse old ones).
 *
 * The key is the UTF-8 bytes of the configured secret exactly as given (as for
 * every HMAC secret of the gateway), not a `whsec_` base64 string.
 *
 * @example
 * const key = await hmacKey(utf8("64-hex-characters..."));
 * const headers = await webhookHeaders(key, "msg_1", 1614265330, body);
 */
const encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** An HMAC-SHA256 signing key over raw key bytes. */
export function hmacKey(keyBytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

function base64(bytes: ArrayBuffer): string {
  let binary = "";
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** `v1,<base64>` over `${id}.${timestamp}.${body}`. */
export async function standardSignature(key: CryptoKey, id: string, timestamp: number, body: Uint8Array): Promise<string> {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix, 0);
  signed.set(body, prefix.length);
  return `v1,${base64(await crypto.subtle.sign("HMAC", key, signed))}`;
}

export interface StandardWebhookHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/** The three Standard Webhooks headers of one attempt. */
export async function webhookHeaders(
  key: CryptoKey,
  id: string,
  timestamp: number,
  body: Uint8Array,
): Promise<StandardWebhookHeaders> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await standardSignature(key, id, timestamp, body),
  };
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`: the `x-gateway-signature` both webhooks carry. */
export async function bodySignature(key: CryptoKey, body: Uint8Array): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
  return `sha256=${Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A per-secret key cache: imported once, on first use. */
export function keyFor(secret: string): () => Promise<CryptoKey> {
  let key: Promise<CryptoKey> | undefined;
  return () => (key ??= hmacKey(utf8(secret)));
}
