/** The per-email lock: the 429 `account_locked` answer, with Retry-After. */
import { GatewayError } from "../errors";

export function lockedError(lockedUntil: number, nowMs: number): GatewayError {
  const retry = String(Math.max(1, Math.ceil((lockedUntil - nowMs) / 1000)));
  return new GatewayError("account_locked", "Too many failed attempts; this account is temporarily locked", {
    headers: { "retry-after": retry },
  });
}
