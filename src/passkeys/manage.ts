/** GET /auth/passkeys and DELETE /auth/passkeys/{id} (access token needed). */
import type { Context } from "hono";
import { deletePasskey, listPasskeys } from "../db/repositories/passkeys";
import { GatewayError } from "../errors";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { requirePrincipal } from "../auth/authenticate";
import { passkeyJson, principalUserId } from "./passkey-json";

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function listPasskeysHandler(c: Context<AppEnv>): Promise<Response> {
  const principal = await requirePrincipal(c);
  const rows = await listPasskeys(c.get("deps").db(), principalUserId(principal));
  return c.json({ passkeys: rows.map(passkeyJson) }, 200, { "cache-control": "no-store" });
}

export async function deletePasskeyHandler(c: Context<AppEnv>): Promise<Response> {
  const principal = await requirePrincipal(c);
  const userId = principalUserId(principal);
  const id = (c.req.param("id") ?? "").toLowerCase();
  const notFound = () => new GatewayError("not_found", "No such passkey");
  if (!UUID_RE.test(id)) throw notFound();
  if (!(await deletePasskey(c.get("deps").db(), userId, id))) throw notFound();
  audit(c, "passkey_removed", { userId, detail: { passkey: id } });
  return c.body(null, 204);
}
