/**
 * Unit tests for src/delivery: Standard Webhooks signatures against the spec's
 * test vector, the message format, backoff, the producer's enqueue retries,
 * the events seam, and the consumer driven with createMessageBatch.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config";
import { createQueueHandler } from "../../src/delivery/consumer";
import { createEvents } from "../../src/delivery/events";
import type { Ledger } from "../../src/delivery/ledger";
import { eventMessage, mailMessage, parseDeliveryMessage, type DeliveryMessage } from "../../src/delivery/messages";
import { directOutbox, queueOutbox } from "../../src/delivery/outbox";
import { DEAD_LETTER_QUEUE, DELIVERY_QUEUE, retryDelaySeconds } from "../../src/delivery/queues";
import { hmacKey, standardSignature, utf8, webhookHeaders } from "../../src/delivery/signature";
import { renderMail } from "../../src/mail";
import type { Mailer, MailMessage } from "../../src/mail/types";
import { developmentEnv } from "../helpers/config-env";

const RAW = developmentEnv();
const EVENTS_SECRET = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

afterEach(() => vi.restoreAllMocks());

function b64decode(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

describe("Standard Webhooks signature", () => {
  it("matches the spec's test vector (standard-webhooks libraries' 'sign function works')", async () => {
    // whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw: the key is the base64-decoded part.
    const key = await hmacKey(b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
    const sig = await standardSignature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, utf8('{"test": 2432232314}'));
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("agrees with the FastAPI receiver on a shared vector (examples/fastapi/test_gateway_webhooks.py)", async () => {
    const body = '{"type":"user.created","timestamp":"2026-11-01T12:00:00.000Z","data":{"user_id":"42"}}';
    const key = await hmacKey(utf8("e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8"));
    expect(await standardSignature(key, "msg_1", 1793534400, utf8(body))).toBe("v1,xP2WpSwTfXg410lP74mrQEKo7HMuxsSSx8StFzjWMNs=");
  });

  it("signs under the configured secret's UTF-8 bytes and changes with id, time and body", async () => {
    const key = await hmacKey(utf8(EVENTS_SECRET));
    const h = await webhookHeaders(key, "msg_a", 1700000000, utf8("{}"));
    expect(h["webhook-id"]).toBe("msg_a");
    expect(h["webhook-timestamp"]).toBe("1700000000");
    const other = [
      await standardSignature(key, "msg_b", 1700000000, utf8("{}")),
      await standardSignature(key, "msg_a", 1700000001, utf8("{}")),
      await standardSignature(key, "msg_a", 1700000000, utf8("{ }")),
    ];
    for (const s of other) expect(s).not.toBe(h["webhook-signature"]);
  });
});

describe("messages and backoff", () => {
  it("round-trips and refuses foreign bodies", () => {
    const m = mailMessage(renderMail("password_changed", { to: "a@example.com" }));
    expect(parseDeliveryMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
    const e = eventMessage("user.deleted", { user_id: "7" }, Date.UTC(2026, 0, 1));
    expect(parseDeliveryMessage(e)).toEqual(e);
    expect(e.kind === "event" && e.event.timestamp).toBe("2026-01-01T00:00:00.000Z");
    for (const bad of [
      null,
      [],
      { ...m, v: 2 },
      { ...m, id: "x" },
      { ...m, kind: "sms" },
      { ...m, mail: { ...(m.kind === "mail" ? m.mail : {}), kind: "nope" } },
      { ...m, mail: { ...(m.kind === "mail" ? m.mail : {}), to: 1 } },
      { ...m, mail: { ...(m.kind === "mail" ? m.mail : {}), link: 1 } },
      { ...e, event: { type: "user.exploded", timestamp: "t", data: { user_id: "1" } } },
      { ...e, event: { type: "user.deleted", timestamp: "t", data: { user_id: 1 } } },
    ]) {
      expect(parseDeliveryMessage(bad)).toBeUndefined();
    }
  });

  it("accepts a mail of every kind API.md lists (the consumer must not drop MFA or passkey mail as malformed)", () => {
    const kinds = [
      "email_verification", "password_reset", "account_exists", "password_changed", "email_change",
      "email_change_requested", "mfa_enabled", "mfa_disabled", "recovery_code_used", "passkey_added",
    ] as const;
    for (const kind of kinds) {
      const m = mailMessage(renderMail(kind, { to: "a@example.com", link: "https://gateway.test/auth/x#token=t" }));
      expect(parseDeliveryMessage(JSON.parse(JSON.stringify(m))), kind).toEqual(m);
    }
  });

  it("doubles the delay per attempt, capped at an hour", () => {
    expect([1, 2, 3, 4].map((n) => retryDelaySeconds(n, 10))).toEqual([10, 20, 40, 80]);
    expect(retryDelaySeconds(30, 10)).toBe(3600);
    expect(retryDelaySeconds(0, 5)).toBe(5);
  });
});

describe("queueOutbox", () => {
  it("retries a failed enqueue with backoff, keeping the message ids, and logs", async () => {
    const sent: DeliveryMessage[][] = [];
    let failures = 2;
    const queue = {
      async sendBatch(batch: Iterable<MessageSendRequest<DeliveryMessage>>) {
        if (failures-- > 0) throw new Error("queue unavailable");
        sent.push([...batch].map((b) => b.body));
      },
    } as unknown as Queue<DeliveryMessage>;
    const waits: number[] = [];
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const m = mailMessage(renderMail("password_changed", { to: "a@example.com" }));
    await queueOutbox(queue, { sleep: async (ms) => void waits.push(ms) }).send([m]);
    expect(sent).toEqual([[m]]);
    expect(waits).toEqual([100, 400]);
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0])).event)).toEqual(["delivery.enqueue_failed", "delivery.enqueue_failed"]);
    expect(String(warn.mock.calls[0]?.[0])).not.toContain("a@example.com");
  });

  it("logs the loss at error level when every try fails, and never throws", async () => {
    const queue = { sendBatch: async () => Promise.reject(new Error("down")) } as unknown as Queue<DeliveryMessage>;
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const m = eventMessage("user.created", { user_id: "1" }, 0);
    await expect(queueOutbox(queue, { attempts: 3, sleep: async () => {} }).send([m])).resolves.toBeUndefined();
    expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toMatchObject({ event: "delivery.enqueue_lost", attempts: 3 });
    await queueOutbox(queue).send([]);
  });

  it("directOutbox sends at once and logs a failure", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const ok = mailMessage(renderMail("password_changed", { to: "a@example.com" }));
    const seen: string[] = [];
    await directOutbox(async (m) => {
      seen.push(m.id);
      if (m.id !== ok.id) throw Object.assign(new Error("x"), { status: 500 });
      return "sent";
    }, Date.now).send([ok, eventMessage("user.created", { user_id: "1" }, 0)]);
    expect(seen).toHaveLength(2);
    expect(JSON.parse(String(error.mock.calls[0]?.[0]))).toMatchObject({ event: "delivery.failed", kind: "event", status: 500 });
  });
});

describe("events seam", () => {
  it("enqueues only when EVENTS_WEBHOOK_URL is set, after the caller's commit (deferred)", async () => {
    const sent: DeliveryMessage[] = [];
    const outbox = { send: async (ms: DeliveryMessage[]) => void sent.push(...ms) };
    const deferred: Promise<unknown>[] = [];
    const off = createEvents(parseConfig(RAW), outbox, (w) => deferred.push(w), () => 0);
    off.emit("user.created", { user_id: "1" });
    const on = createEvents(
      parseConfig({ ...RAW, EVENTS_WEBHOOK_URL: "https://app.example/events", EVENTS_WEBHOOK_SECRET: EVENTS_SECRET }),
      outbox,
      (w) => deferred.push(w),
      () => 0,
    );
    on.emit("user.deleted", { user_id: "2" });
    await Promise.all(deferred);
    expect(sent.map((m) => (m.kind === "event" ? m.event.type : m.kind))).toEqual(["user.deleted"]);
  });

  it("config: URL and secret go together; the secret must be strong", () => {
    const problems = (vars: Record<string, string>) => {
      try {
        parseConfig({ ...RAW, ...vars });
        return [];
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
    };
    expect(problems({ EVENTS_WEBHOOK_URL: "https://a.example/e" })).toContain("EVENTS_WEBHOOK_SECRET is required when EVENTS_WEBHOOK_URL is set");
    expect(problems({ EVENTS_WEBHOOK_SECRET: EVENTS_SECRET })).toContain("EVENTS_WEBHOOK_URL is required when EVENTS_WEBHOOK_SECRET is set");
    expect(problems({ EVENTS_WEBHOOK_URL: "https://a.example/e", EVENTS_WEBHOOK_SECRET: "short" })[0]).toMatch(/EVENTS_WEBHOOK_SECRET must be at least 32 bytes/);
    expect(problems({ DELIVERY_RETRY_BASE_SECONDS: "-1" })[0]).toMatch(/DELIVERY_RETRY_BASE_SECONDS/);
  });
});

function memoryLedger(initial: Record<string, "send" | "sent" | "busy"> = {}): Ledger & { marks: string[] } {
  const marks: string[] = [];
  return {
    marks,
    async begin(id) {
      return initial[id] ?? "send";
    },
    async sent(id) {
      marks.push(`sent:${id}`);
    },
    async release(id) {
      marks.push(`release:${id}`);
    },
    async dead(id) {
      marks.push(`dead:${id}`);
    },
  };
}

function recordingMailer(fail = false): Mailer & { got: Array<{ m: MailMessage; id?: string }> } {
  const got: Array<{ m: MailMessage; id?: string }> = [];
  return {
    got,
    async send(m, meta) {
      got.push({ m, id: meta?.id });
      if (fail) throw new Error("provider down");
    },
  };
}

const batchOf = (queue: string, bodies: unknown[], attempts = 1) =>
  createMessageBatch(
    queue,
    bodies.map((body, i) => ({ id: `q${i}`, timestamp: new Date(), attempts, body })),
  );

describe("queue handler", () => {
  it("acks a sent message, retries a failed one with backoff, and passes the message id as webhook-id", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    vi.spyOn(console, "log").mockImplementation(() => {});
    const mailer = recordingMailer();
    const ledger = memoryLedger();
    const m = mailMessage(renderMail("password_changed", { to: "a@example.com" }));
    const batch = batchOf(DELIVERY_QUEUE, [m]);
    const ctx = createExecutionContext();
    await createQueueHandler({ mailer, ledger })(batch, env as Env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["q0"]);
    expect(mailer.got[0]?.id).toBe(m.id);
    expect(ledger.marks).toEqual([`sent:${m.id}`]);

    const failing = recordingMailer(true);
    const batch2 = batchOf(DELIVERY_QUEUE, [m], 3);
    await createQueueHandler({ mailer: failing, ledger })(batch2, { ...env, DELIVERY_RETRY_BASE_SECONDS: "10" } as Env);
    const r2 = await getQueueResult(batch2, createExecutionContext());
    // getQueueResult does not report the delay; the log line does (attempt 3: 10 · 2²).
    expect(r2.retryMessages).toMatchObject([{ msgId: "q0" }]);
    expect(JSON.parse(String(warn.mock.calls.at(-1)?.[0]))).toMatchObject({ event: "delivery.retry", attempt: 3, delaySeconds: 40, id: m.id });
    expect(ledger.marks).toContain(`release:${m.id}`);
  });

  it("skips an already-sent id, defers a busy one, drops a malformed body", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    vi.spyOn(console, "error").mockImplementation(() => {});
    const mailer = recordingMailer();
    const a = mailMessage(renderMail("password_changed", { to: "a@example.com" }));
    const b = mailMessage(renderMail("password_changed", { to: "b@example.com" }));
    const batch = batchOf(DELIVERY_QUEUE, [a, b, { nonsense: true }]);
    await createQueueHandler({ mailer, ledger: memoryLedger({ [a.id]: "sent", [b.id]: "busy" }) })(batch, env as Env);
    const r = await getQueueResult(batch, createExecutionContext());
    expect(mailer.got).toHaveLength(0);
    expect(r.explicitAcks.sort()).toEqual(["q0", "q2"]);
    expect(r.retryMessages).toMatchObject([{ msgId: "q1" }]);
  });

  it("dead-letter batches are logged without recipient and recorded in the ledger", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const ledger = memoryLedger();
    const m = mailMessage(renderMail("password_changed", { to: "secret-person@example.com" }));
    const batch = batchOf(DEAD_LETTER_QUEUE, [m, "junk"]);
    await createQueueHandler({ ledger })(batch, env as Env);
    const r = await getQueueResult(batch, createExecutionContext());
    expect(r.explicitAcks).toEqual(["q0", "q1"]);
    expect(ledger.marks).toEqual([`dead:${m.id}`]);
    const lines = error.mock.calls.map((c) => String(c[0]));
    expect(lines.join("\n")).not.toContain("secret-person");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ event: "delivery.dead_letter", id: m.id, mailKind: "password_changed" });
  });

  it("keeps every message when the configuration is broken", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const batch = batchOf(DELIVERY_QUEUE, [eventMessage("user.created", { user_id: "1" }, 0)]);
    await createQueueHandler({ ledger: memoryLedger() })(batch, { ...env, JWT_SECRET: "" } as Env);
    const r = await getQueueResult(batch, createExecutionContext());
    expect(r.retryBatch).toMatchObject({ retry: true });
  });

  it("an event without EVENTS_WEBHOOK_URL is acknowledged as skipped", async () => {
    vi.spyOn(console, "log").mockImplementation(() => {});
    const batch = batchOf(DELIVERY_QUEUE, [eventMessage("user.created", { user_id: "1" }, 0)]);
    const vars = { ...env, EVENTS_WEBHOOK_URL: "", EVENTS_WEBHOOK_SECRET: "" } as Env;
    await createQueueHandler({ ledger: memoryLedger() })(batch, vars);
    const r = await getQueueResult(batch, createExecutionContext());
    expect(r.explicitAcks).toEqual(["q0"]);
  });
});
