// A tiny MAIL_TRANSPORT=webhook receiver: records every message the gateway
// posts, with whether its `x-gateway-signature` (HMAC-SHA256 of the raw body
// under the UTF-8 bytes of MAIL_WEBHOOK_SECRET) verifies.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface MailMessage {
  kind: "email_verification" | "password_reset" | "account_exists" | "password_changed";
  to: string;
  subject: string;
  text: string;
  html: string;
  link: string | null;
}

export interface ReceivedMail {
  message: MailMessage;
  signatureValid: boolean;
  contentType: string | undefined;
  receivedAt: number;
}

export interface MailReceiver {
  url: string;
  secret: string;
  received: ReceivedMail[];
  /** The first message (already received or future) matching `match`, within `timeoutMs`. */
  waitFor(match: (m: MailMessage) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startMailReceiver(): Promise<MailReceiver> {
  const secret = randomBytes(32).toString("hex");
  const received: ReceivedMail[] = [];
  let waiters: Array<{ match: (m: MailMessage) => boolean; resolve: (r: ReceivedMail) => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac("sha256", Buffer.from(secret, "utf8")).update(raw).digest("hex")}`);
      const got = Buffer.from(String(req.headers["x-gateway-signature"] ?? ""));
      const signatureValid = got.length === expected.length && timingSafeEqual(got, expected);
      let message: MailMessage;
      try {
        message = JSON.parse(raw.toString("utf8")) as MailMessage;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const entry: ReceivedMail = { message, signatureValid, contentType: req.headers["content-type"], receivedAt: Date.now() };
      received.push(entry);
      for (const w of [...waiters]) {
        if (w.match(message)) {
          waiters = waiters.filter((x) => x !== w);
          w.resolve(entry);
        }
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mail`,
    secret,
    received,
    waitFor(match, timeoutMs = 15_000) {
      const already = received.find((r) => match(r.message));
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w.resolve !== done);
          reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${received.map((r) => `${r.message.kind}→${r.message.to}`).join(", ") || "none"})`));
        }, timeoutMs);
        const done = (r: ReceivedMail) => {
          clearTimeout(timer);
          resolve(r);
        };
        waiters.push({ match, resolve: done });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
