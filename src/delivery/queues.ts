/** The delivery Queues' names: they must match wrangler.toml's `[[queues.*]]`. */
export const DELIVERY_QUEUE = "tdah-gateway-delivery";
export const DEAD_LETTER_QUEUE = "tdah-gateway-delivery-dlq";

/** Seconds before retry `attempts` + 1: base, 2·base, 4·base, ..., at most an hour. */
export function retryDelaySeconds(attempts: number, baseSeconds: number): number {
  const n = Math.max(1, attempts);
  return Math.min(3600, baseSeconds * 2 ** Math.min(n - 1, 20));
}
