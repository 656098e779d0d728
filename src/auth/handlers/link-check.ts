/**
 * POST /auth/password/reset/check `{token}`: the reset page asks, before the
 * person types a new password, whether its link still works. It spends
 * nothing and changes nothing: 200 `{"valid": true, "email"}` for a live
 * reset token (the email fills the page's hidden username field, so password
 * managers file the new password under the right account; whoever holds a live
 * reset token can take the account anyway), 400 `invalid_token` for an
 * unknown, used, superseded or expired one. Limited per IP like logins (it
 * opens a database connection).
 */
import type { Context } from "hono";
import { findResetOwner } from "../../db/repositories/recovery";
import { GatewayError } from "../../errors";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import type { AppEnv } from "../../http/types";
import { clientInfo } from "../client-info";
import { hashToken, isOpaqueToken } from "../opaque-tokens";
import { enforceRateLimits } from "../rate-limit";
import { TokenBody } from "../schemas";

const badToken = () => new GatewayError("invalid_token", "This link is invalid or has expired", { status: 400 });

export async function resetCheckHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const fields = parseBody(await readJsonObject(c.req.raw), TokenBody);
  const client = clientInfo(c);
  await enforceRateLimits(c, [{ key: `link-check:${ipRateKey(client.ip ?? "")}`, policy: deps.config.rateLimits.login }]);
  if (!isOpaqueToken(fields.token)) throw badToken();
  const db = deps.db();
  const now = new Date(deps.now());
  // One read: the owner of a live (unused, unexpired, not superseded) reset token.
  const user = await findResetOwner(db, await hashToken(fields.token), now);
  if (!user) throw badToken();
  return c.json({ valid: true, email: user.email }, 200, { "cache-control": "no-store" });
}
