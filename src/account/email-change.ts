/**
 * The email change: POST /auth/email/change (signed in, password re-checked)
 * answers the same 202 bytes whether the new address is free or taken; the
 * lookup, the link and the mail happen after the response. A free address
 * gets an `email_change` link (`{PUBLIC_URL}/auth/email/change#token=...`, 30
 * minutes, single use, superseded by a newer request); a taken one gets an
 * `account_exists` notice; the current address always gets an
 * `email_change_requested` notice. POST /auth/email/change/confirm spends the
 * link and swaps the address (see confirmEmailChange).
 */
import type { Context } from "hono";
import { confirmEmailChange, insertEmailChange } from "../db/repositories/account";
import { findUserByEmail, findUserById } from "../db/repositories/users";
import { mailMessage, type DeliveryMessage } from "../delivery/messages";
import { GatewayError, validationError } from "../errors";
import { readJsonObject } from "../http/body";
import { ipRateKey } from "../http/client-ip";
import { parseBody } from "../http/schema";
import type { AppEnv } from "../http/types";
import { renderMail } from "../mail";
import { audit } from "../auth/audit";
import { requirePrincipal } from "../auth/authenticate";
import { clientInfo } from "../auth/client-info";
import { parseEmail } from "../auth/email";
import { accepted } from "../auth/handlers/register";
import { hashToken, isOpaqueToken, newOpaqueToken } from "../auth/opaque-tokens";
import { enforceRateLimits } from "../auth/rate-limit";
import { userJson } from "../auth/user-json";
import { recheckPassword } from "./recheck";
import { EmailChangeBody, EmailChangeConfirmBody } from "./schemas";

export const EMAIL_CHANGE_TTL_SECONDS = 30 * 60;

/** `{PUBLIC_URL}/auth/email/change#token=...`: the token never reaches a server or a log. */
export function emailChangeLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/auth/email/change#token=${encodeURIComponent(token)}`;
}

export async function emailChangeRequestHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const principal = await requirePrincipal(c);
  const fields = parseBody(await readJsonObject(c.req.raw), EmailChangeBody);
  const newEmail = parseEmail(fields.new_email, "new_email");
  const client = clientInfo(c);
  // The forgot-password limits, shared: per IP and per (new) address.
  await enforceRateLimits(c, [
    { key: `forgot-ip:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.forgotIp },
    { key: `forgot-email:${newEmail}`, policy: config.rateLimits.forgotEmail },
  ]);
  const db = deps.db();
  const userId = Number(principal.userId);
  const user = Number.isSafeInteger(userId) ? await findUserById(db, userId) : undefined;
  if (!user || user.accountStatus !== "active") throw new GatewayError("invalid_token", "The access token is invalid");
  await recheckPassword(c, user, fields.password);
  if (newEmail === user.email.toLowerCase()) {
    throw validationError([{ field: "new_email", message: "is already the address of this account" }]);
  }

  const nowMs = deps.now();
  audit(c, "email_change_requested", { userId });
  deps.defer(
    (async () => {
      const holder = await findUserByEmail(db, newEmail);
      const messages: DeliveryMessage[] = [
        mailMessage(renderMail("email_change_requested", { to: user.email, fullName: user.fullName })),
      ];
      if (holder) {
        messages.push(mailMessage(renderMail("account_exists", { to: holder.email, fullName: holder.fullName })));
      } else {
        const token = newOpaqueToken();
        await insertEmailChange(db, {
          userId,
          tokenHash: await hashToken(token),
          newEmail,
          expiresAt: new Date(nowMs + EMAIL_CHANGE_TTL_SECONDS * 1000),
          at: new Date(nowMs),
        });
        const link = emailChangeLink(config.publicUrl, token);
        messages.push(mailMessage(renderMail("email_change", { to: newEmail, link, fullName: user.fullName })));
      }
      // Only now, the link's row committed, do the messages leave.
      await deps.outbox.send(messages);
    })(),
  );
  return accepted(c);
}

const badToken = () => new GatewayError("invalid_token", "This link is invalid or has expired", { status: 400 });

export async function emailChangeConfirmHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const fields = parseBody(await readJsonObject(c.req.raw), EmailChangeConfirmBody);
  if (!isOpaqueToken(fields.token)) throw badToken();
  const nowMs = deps.now();
  const outcome = await confirmEmailChange(deps.db(), await hashToken(fields.token), new Date(nowMs));
  if (outcome.kind === "invalid") throw badToken();
  if (outcome.kind === "taken") throw new GatewayError("conflict", "This email address is already in use");
  const { user, sessions } = outcome;
  await Promise.all([
    sessions.length > 0 ? deps.revocations.revokeSessions(sessions, config.accessTokenTtl) : Promise.resolve(),
    deps.revocations.revokeUserBefore(String(user.id), Math.floor(nowMs / 1000), config.accessTokenTtl),
  ]);
  audit(c, "email_changed", { userId: user.id, detail: { sessions_revoked: sessions.length } });
  deps.events.emit("user.email_changed", { user_id: String(user.id), email: user.email, email_verified: true });
  return c.json({ user: userJson(user) }, 200, { "cache-control": "no-store" });
}
