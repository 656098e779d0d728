/**
 * Mail and account events through the real local Queue (Miniflare): the
 * gateway enqueues after its change commits, this Worker's `queue` handler
 * delivers to the delivery sink with Standard Webhooks signatures, retries
 * with backoff, dedupes by message id, and dead-letters what never succeeds.
 * (vitest.config.ts sets max_retries to 2 for this suite: 3 attempts.)
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { mailMessage } from "../../src/delivery/messages";
import { renderMail } from "../../src/mail";
import { EVENTS_SECRET, failDeliveries, MAIL_SECRET, received, signatureValid, waitForDeliveries } from "../helpers/delivery";
import { testGateway } from "../helpers/gateway";
import { register, uniqueEmail } from "../helpers/http";

const bindings = env as unknown as Env;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("delivery through the Queue", { timeout: 60_000 }, () => {
  it("delivers a verification mail and user.created whose first two sends fail, same id every time", async () => {
    const gw = await testGateway();
    const email = uniqueEmail("flaky");
    // The mail only (user.created carries the email too, as `"email"`, not `"to"`).
    await failDeliveries(`"to":"${email}"`, 2);
    const res = await register(gw, email);
    expect(res.status).toBe(202);
    await gw.settle();

    const mails = await waitForDeliveries(email, (rs) => rs.some((r) => r.path === "/mail" && r.status === 204));
    const mailTries = mails.filter((r) => r.path === "/mail");
    expect(mailTries.map((r) => r.status)).toEqual([503, 503, 204]);
    const ids = new Set(mailTries.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^msg_[0-9a-f]{32}$/);
    for (const r of mailTries) {
      expect(await signatureValid(r, MAIL_SECRET)).toBe(true);
      expect(r.headers["x-gateway-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    }
    const body = JSON.parse(mailTries[2]?.body ?? "{}") as { kind: string; to: string };
    expect(body).toMatchObject({ kind: "email_verification", to: email });

    // The event carries the user id, not the email: find it by the new user's id.
    const user = await (await import("../helpers/database")).query<{ id: string }>(
      gw.databaseUrl,
      "SELECT id FROM users WHERE email = $1",
      [email],
    );
    const userId = String(user[0]?.id);
    const events = await waitForDeliveries(`"user_id":"${userId}"`, (rs) => rs.some((r) => r.path === "/events" && r.status === 204));
    const created = events.find((r) => r.path === "/events" && r.body.includes('"user.created"'));
    expect(created).toBeDefined();
    expect(await signatureValid(created as NonNullable<typeof created>, EVENTS_SECRET)).toBe(true);
    expect(JSON.parse(created?.body ?? "{}")).toMatchObject({ type: "user.created", data: { user_id: userId } });
  });

  it("moves a message that always fails to the dead-letter queue after the last retry, and logs it", async () => {
    const errors: string[] = [];
    const original = console.error;
    vi.spyOn(console, "error").mockImplementation((line: unknown, ...rest: unknown[]) => {
      errors.push(String(line));
      original(line, ...rest);
    });
    const to = uniqueEmail("doomed");
    await failDeliveries(to, -1);
    const message = mailMessage(renderMail("password_changed", { to }));
    await bindings.DELIVERY_QUEUE.send(message, { contentType: "json" });

    const ledger = bindings.DELIVERY_LEDGER.get(bindings.DELIVERY_LEDGER.idFromName(message.id));
    const deadline = Date.now() + 25_000;
    while ((await ledger.status()) !== "dead") {
      if (Date.now() > deadline) throw new Error("the message never reached the dead-letter queue");
      await new Promise((r) => setTimeout(r, 100));
    }
    const tries = await received(to);
    expect(tries.map((r) => r.status)).toEqual([503, 503, 503]);
    const logged = errors.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === "delivery.dead_letter" && l.id === message.id);
    expect(logged).toMatchObject({ kind: "mail", mailKind: "password_changed", queue: "tdah-gateway-delivery-dlq" });
    // Neither the recipient nor the link is in the log line.
    expect(JSON.stringify(logged)).not.toContain(to);
  });

  it("sends a message enqueued twice (same id) once", async () => {
    const to = uniqueEmail("twice");
    const message = mailMessage(renderMail("password_changed", { to }));
    await bindings.DELIVERY_QUEUE.send(message, { contentType: "json" });
    await waitForDeliveries(to, (rs) => rs.length === 1);
    await bindings.DELIVERY_QUEUE.send(message, { contentType: "json" });
    const ledger = bindings.DELIVERY_LEDGER.get(bindings.DELIVERY_LEDGER.idFromName(message.id));
    expect(await ledger.status()).toBe("sent");
    // Give the second copy time to be consumed (batch timeout 1 s), then count.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await received(to)).toHaveLength(1);
  });
});
