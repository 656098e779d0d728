/**
 * POST /auth/passkeys/login/options and POST /auth/passkeys/login: sign-in
 * with a discoverable credential (no allowCredentials), user verification
 * required. Every verification failure (unknown or expired challenge,
 * unknown credential, bad signature, wrong origin or RP id, no user
 * verification, a counter that went backwards) is the same 401
 * `invalid_credentials`; only the audit log says which check failed.
 */
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Context } from "hono";
import { findPasskeyWithUser, recordPasskeyLogin } from "../db/repositories/passkeys";
import { GatewayError } from "../errors";
import { readJsonObject } from "../http/body";
import { parseBody } from "../http/schema";
import { ipRateKey } from "../http/client-ip";
import type { AppEnv } from "../http/types";
import { audit, auditRecord, logAudit } from "../auth/audit";
import { clientInfo } from "../auth/client-info";
import { assertSameOrigin } from "../auth/csrf";
import { respondWithSession, type Transport } from "../auth/issue-session";
import { enforceRateLimits } from "../auth/rate-limit";
import { AMR_PASSKEY } from "../auth/amr";
import { startSession } from "../auth/sessions";
import { CHALLENGE_TTL_MS } from "./challenges";
import { claimedChallenge, parseAuthenticationJson } from "./credential-json";
import { EmptyBody, PasskeyLoginBody } from "./schemas";
import { relyingParty, userHandleB64 } from "./relying-party";

const COUNTER_RE = /counter/i;
const invalidCredentials = () => new GatewayError("invalid_credentials", "The passkey could not be verified");

export async function loginOptionsHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  parseBody(await readJsonObject(c.req.raw, { optional: true }), EmptyBody);
  const ip = ipRateKey(clientInfo(c).ip ?? "");
  await enforceRateLimits(c, [{ key: `passkey-options:${ip}`, policy: config.rateLimits.login }]);
  const challenge = await deps.challenges.issue("login", null, deps.now());
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(config).id,
    challenge: isoBase64URL.toBuffer(challenge),
    timeout: CHALLENGE_TTL_MS,
    userVerification: "required",
  });
  return c.json(options, 200, { "cache-control": "no-store" });
}

type Failure = "challenge" | "unknown_credential" | "user_handle" | "verification" | "counter_regression";

export async function loginHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const config = deps.config;
  const fields = parseBody(await readJsonObject(c.req.raw), PasskeyLoginBody);
  const response = parseAuthenticationJson(fields.credential);
  const challenge = claimedChallenge(response.response.clientDataJSON);
  const transport: Transport = fields.transport ?? "cookie";
  if (transport === "cookie") assertSameOrigin(c.req.raw, config);

  const client = clientInfo(c);
  await enforceRateLimits(c, [{ key: `login:${ipRateKey(client.ip ?? "")}`, policy: config.rateLimits.login }]);

  const nowMs = deps.now();
  const refuse = (reason: Failure, userId: number | null = null): GatewayError => {
    audit(c, reason === "counter_regression" ? "passkey_counter_regression" : "passkey_login_failed", {
      userId,
      detail: { reason },
    });
    return invalidCredentials();
  };

  // Spent first, whatever follows: a challenge never verifies twice.
  const record = await deps.challenges.take(challenge, nowMs);
  if (!record || record.purpose !== "login") throw refuse("challenge");

  const db = deps.db();
  const found = await findPasskeyWithUser(db, response.id);
  if (!found) throw refuse("unknown_credential");
  const { passkey, user } = found;
  if (response.response.userHandle !== undefined && response.response.userHandle !== userHandleB64(user.id)) {
    throw refuse("user_handle", user.id);
  }

  const rp = relyingParty(config);
  let newCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports as never,
      },
      requireUserVerification: true,
    });
    if (!result.verified || !result.authenticationInfo.userVerified) throw refuse("verification", user.id);
    newCounter = result.authenticationInfo.newCounter;
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw refuse(err instanceof Error && COUNTER_RE.test(err.message) ? "counter_regression" : "verification", user.id);
  }

  if (user.accountStatus !== "active") {
    audit(c, "login_refused", { userId: user.id, detail: { reason: "disabled", method: "passkey" } });
    throw new GatewayError("account_disabled", "This account is disabled");
  }
  if (config.requireEmailVerification && !user.emailVerified) {
    audit(c, "login_refused", { userId: user.id, detail: { reason: "email_unverified", method: "passkey" } });
    throw new GatewayError("email_unverified", "Verify your email address before logging in");
  }

  const at = new Date(nowMs);
  // A concurrent login with a newer counter may have won meanwhile: the UPDATE decides.
  if (!(await recordPasskeyLogin(db, passkey.id, newCounter, at))) throw refuse("counter_regression", user.id);
  // One write: the user row, the session's first token and the audit row.
  const loginEvent = auditRecord(c, "login_succeeded", { userId: user.id, detail: { transport, method: "passkey", passkey: passkey.id } });
  const started = await startSession(db, config, { userId: user.id, nowMs, client, amr: AMR_PASSKEY, event: loginEvent });
  if (!started) throw refuse("verification", user.id);
  logAudit(c, loginEvent);
  return respondWithSession(c, started.user, started.session, transport);
}
