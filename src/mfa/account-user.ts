/** The signed-in user of an MFA endpoint, read fresh from the database. */
import type { Context } from "hono";
import { requirePrincipal } from "../auth/authenticate";
import { findUserById } from "../db/repositories/users";
import type { UserRow } from "../db/schema";
import { GatewayError } from "../errors";
import type { AppEnv, Principal } from "../http/types";

export async function signedInUser(c: Context<AppEnv>): Promise<{ principal: Principal; user: UserRow }> {
  const principal = await requirePrincipal(c);
  const id = Number(principal.userId);
  const user = Number.isSafeInteger(id) ? await findUserById(c.get("deps").db(), id) : undefined;
  if (!user) {
    throw new GatewayError("invalid_token", "The account no longer exists", {
      headers: { "www-authenticate": 'Bearer error="invalid_token"' },
    });
  }
  return { principal, user };
}
