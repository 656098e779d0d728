/** The public shape of a passkey, and the principal's numeric user id. */
import type { PasskeyRow } from "../db/repositories/passkeys";
import { GatewayError } from "../errors";
import type { Principal } from "../http/types";

export interface PasskeyJson {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

export function passkeyJson(p: PasskeyRow): PasskeyJson {
  return {
    id: p.id,
    name: p.name,
    created_at: p.createdAt.toISOString(),
    last_used_at: p.lastUsedAt ? p.lastUsedAt.toISOString() : null,
  };
}

export function principalUserId(principal: Principal): number {
  const id = Number(principal.userId);
  if (!Number.isSafeInteger(id)) throw new GatewayError("invalid_token", "The access token is invalid");
  return id;
}
