/**
 * POST /auth/register: 202 `{"status":"accepted"}`, byte for byte the same
 * whether the email was new (user created, verification mailed) or taken
 * (nothing changes; the owner is told by mail). Both paths hash the password
 * and defer their mail, so timing does not tell them apart either. Two
 * database round trips for both: a read overlapping the hash, one write.
 */
import type { Context } from "hono";
import { registerUser } from "../../db/repositories/registration";
import { findUserByEmail } from "../../db/repositories/users";
import { readJsonObject } from "../../http/body";
import { ipRateKey } from "../../http/client-ip";
import { parseBody } from "../../http/schema";
import { RegisterBody } from "../schemas";
import type { AppEnv } from "../../http/types";
import { auditRecord, logAudit } from "../audit";
import { clientInfo } from "../client-info";
import { parseEmail } from "../email";
import { notify } from "../notify";
import { ONE_TIME_TTL_SECONDS } from "../one-time-tokens";
import { hashToken, newOpaqueToken } from "../opaque-tokens";
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

  const db = deps.db();
  // The owner lookup rides the connection's pipelined start-up while the hash runs (it costs no
  // latency), and proves the connection alive before the write is sent: a stalled database
  // answers 503 before anything could be written.
  const [hash] = await Promise.all([deps.passwords.hash(password), findUserByEmail(db, email)]);
  const nowMs = deps.now();
  // One write whether the email is new or taken (user, verification token, audit row).
  const verification = newOpaqueToken();
  const record = auditRecord(c, "register");
  const { created, user } = await registerUser(db, {
    email,
    fullName,
    passwordHash: hash,
    verificationHash: await hashToken(verification),
    verificationExpiresAt: new Date(nowMs + ONE_TIME_TTL_SECONDS.email_verification * 1000),
    ip: client.ip,
    userAgent: client.userAgent,
    event: record,
  });
  if (created && user) {
    logAudit(c, record, user.id);
    deps.events.emit("user.created", { user_id: String(user.id), email: user.email, email_verified: false });
    notify(c, async () => ({ kind: "email_verification", to: user.email, fullName: user.fullName, token: verification }));
  } else {
    logAudit(c, { ...record, type: "register_existing" }, user?.id ?? null);
    notify(c, async () => ({ kind: "account_exists", to: user?.email ?? email, fullName: user?.fullName }));
  }
  return accepted(c);
}
