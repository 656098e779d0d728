/**
 * POST /auth/register: 202 `{"status":"accepted"}`, byte for byte the same
 * whether the email was new (user created, verification mailed) or taken
 * (nothing changes; the owner is told by mail). Both paths hash the password
 * and defer their mail, so timing does not tell them apart either.
 */
import type { Context } from "hono";
import { findUserByEmail, insertUserIfNew } from "../../db/repositories/users";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import { RegisterBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { audit } from "../audit";
import { clientInfo } from "../client-info";
import { parseEmail } from "../email";
import { notify } from "../notify";
import { issueOneTimeToken } from "../one-time-tokens";
import { assertPasswordPolicy, normalizePassword } from "../passwords";
import { enforceRateLimits } from "../rate-limit";

export const ACCEPTED_BODY = '{"status":"accepted"}';

export function accepted(c: Context<AppEnv>): Response {
  return c.body(ACCEPTED_BODY, 202, { "content-type": "application/json", "cache-control": "no-store" });
}

export async function registerHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const body = await readJsonObject(c.req.raw);
  const fields = parseBody(body, RegisterBody);
  const client = clientInfo(c);
  await enforceRateLimits(c, [{ key: `register:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.register }]);

  const email = parseEmail(fields.email);
  const password = normalizePassword(fields.password, "password");
  assertPasswordPolicy(password, email, "password");
  const fullName = fields.full_name?.normalize("NFKC").trim() || null;

  const hash = await deps.passwords.hash(password);
  const db = deps.db();
  const created = await insertUserIfNew(db, { email, fullName, passwordHash: hash });
  const nowMs = deps.now();
  if (created) {
    audit(c, "register", { userId: created.id });
    deps.events.emit("user.created", { user_id: String(created.id), email_verified: false });
    notify(c, async () => ({
      kind: "email_verification",
      to: created.email,
      fullName: created.fullName,
      token: await issueOneTimeToken(db, "email_verification", created.id, nowMs, client),
    }));
  } else {
    // The same number of queries as the new-user path; the owner's name personalises the notice.
    const owner = await findUserByEmail(db, email);
    audit(c, "register_existing", { userId: owner?.id ?? null });
    notify(c, async () => ({ kind: "account_exists", to: owner?.email ?? email, fullName: owner?.fullName }));
  }
  return accepted(c);
}
