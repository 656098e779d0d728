/**
 * The consumer's view of the ledger (src/delivery/ledger-object.ts). A ledger
 * that cannot be reached never blocks mail: `begin` then answers "send"
 * (at least once beats at most once; receivers still dedupe by webhook-id).
 */
import { errorKind, log } from "../log";
import type { DeliveryLedger, LedgerDecision } from "./ledger-object";

export interface Ledger {
  begin(id: string, now: number): Promise<LedgerDecision>;
  sent(id: string, now: number): Promise<void>;
  release(id: string): Promise<void>;
  dead(id: string, now: number): Promise<void>;
}

/** How long a claimed send may take before a copy may try again. */
export const SEND_LEASE_MS = 60_000;

/**
 * @example
 * const ledger = durableLedger(env.DELIVERY_LEDGER);
 * if ((await ledger.begin(message.id, Date.now())) === "send") { ... }
 */
export function durableLedger(ns: DurableObjectNamespace<DeliveryLedger>): Ledger {
  const stub = (id: string) => ns.get(ns.idFromName(id));
  const quietly = async (op: string, id: string, work: () => Promise<unknown>) => {
    try {
      await work();
    } catch (err) {
      log("warn", "delivery.ledger_failed", { op, id, kind: errorKind(err) });
    }
  };
  return {
    async begin(id, now) {
      try {
        return await stub(id).begin(now, SEND_LEASE_MS);
      } catch (err) {
        log("warn", "delivery.ledger_failed", { op: "begin", id, kind: errorKind(err) });
        return "send";
      }
    },
    sent: (id, now) => quietly("sent", id, () => stub(id).sent(now)),
    release: (id) => quietly("release", id, () => stub(id).release()),
    dead: (id, now) => quietly("dead", id, () => stub(id).dead(now)),
  };
}
