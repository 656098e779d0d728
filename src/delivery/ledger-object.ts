/**
 * The delivery ledger: one Durable Object per message id (`idFromName`),
 * strongly consistent, one call at a time. It makes the consumer idempotent:
 * a message already sent is acknowledged without a second send, and a copy
 * that arrives while another consumer is sending it waits (lease) instead of
 * racing it. An alarm erases the record after the retention.
 */
import { DurableObject } from "cloudflare:workers";

/** Longer than the Queue keeps a message (4 days) plus every retry. */
export const LEDGER_RETENTION_MS = 8 * 24 * 3600 * 1000;

export type LedgerDecision = "send" | "sent" | "busy";

interface Entry {
  status: "sending" | "sent" | "dead";
  /** sending: lease end; sent/dead: when. Epoch ms. */
  at: number;
}

export class DeliveryLedger extends DurableObject<Env> {
  private entry(): Entry | undefined {
    return this.ctx.storage.kv.get<Entry>("entry");
  }

  private async put(entry: Entry, now: number): Promise<void> {
    this.ctx.storage.kv.put("entry", entry);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + LEDGER_RETENTION_MS);
  }

  /** Claims the send for `leaseMs`, unless the message was sent or another send holds the lease. */
  async begin(now: number, leaseMs: number): Promise<LedgerDecision> {
    const e = this.entry();
    if (e?.status === "sent") return "sent";
    if (e?.status === "sending" && e.at > now) return "busy";
    await this.put({ status: "sending", at: now + leaseMs }, now);
    return "send";
  }

  async sent(now: number): Promise<void> {
    await this.put({ status: "sent", at: now }, now);
  }

  /** Drops a failed send's lease, so the retry may claim it at once. */
  release(): void {
    if (this.entry()?.status === "sending") this.ctx.storage.kv.delete("entry");
  }

  async dead(now: number): Promise<void> {
    if (this.entry()?.status !== "sent") await this.put({ status: "dead", at: now }, now);
  }

  status(): Entry["status"] | "unknown" {
    return this.entry()?.status ?? "unknown";
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
