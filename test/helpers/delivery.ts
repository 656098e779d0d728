/** Talks to the delivery sink (test/setup/delivery-sink.ts) and checks Standard Webhooks signatures. */
import { env } from "cloudflare:workers";

export interface SinkRecord {
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
  status: number;
}

const bindings = env as unknown as { TEST_DELIVERY_SINK: string; MAIL_WEBHOOK_SECRET: string; EVENTS_WEBHOOK_SECRET: string };
export const MAIL_SECRET = bindings.MAIL_WEBHOOK_SECRET;
export const EVENTS_SECRET = bindings.EVENTS_WEBHOOK_SECRET;

/** Makes the sink answer 503 to bodies containing `match`, `times` times (-1: always). */
export async function failDeliveries(match: string, times: number): Promise<void> {
  await fetch(`${bindings.TEST_DELIVERY_SINK}/__fail`, { method: "POST", body: JSON.stringify({ match, times }) });
}

export async function received(match: string): Promise<SinkRecord[]> {
  const res = await fetch(`${bindings.TEST_DELIVERY_SINK}/__received?match=${encodeURIComponent(match)}`);
  return res.json<SinkRecord[]>();
}

/** Polls the sink until `done(records)` holds; returns the records. */
export async function waitForDeliveries(
  match: string,
  done: (records: SinkRecord[]) => boolean,
  timeoutMs = 25_000,
): Promise<SinkRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await received(match);
    if (done(records)) return records;
    if (Date.now() > deadline) throw new Error(`deliveries for ${match} not as expected: ${records.map((r) => `${r.path} ${r.status}`).join(", ") || "none"}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function base64(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

/** Recomputes `v1,<base64 HMAC-SHA256(id.timestamp.body)>` under the secret's UTF-8 bytes. */
export async function expectedSignature(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `v1,${base64(await crypto.subtle.sign("HMAC", key, enc.encode(`${id}.${timestamp}.${body}`)))}`;
}

export async function signatureValid(record: SinkRecord, secret: string): Promise<boolean> {
  const id = record.headers["webhook-id"] ?? "";
  const ts = record.headers["webhook-timestamp"] ?? "";
  return record.headers["webhook-signature"] === (await expectedSignature(secret, id, ts, record.body));
}
