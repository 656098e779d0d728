/**
 * POST /auth/passkeys/register/options and POST /auth/passkeys/register
 * (access token needed). Options: rp.id = host of PUBLIC_URL, resident key
 * and user verification required, the user's passkeys excluded, a fresh
 * single-use challenge bound to the user. Register: body shape (422 before
 * anything), the challenge taken (400 invalid_token when unknown, used,
 * expired or another user's), then the library's verification (401
 * invalid_credentials), then the row, the audit event and the mail.
 */
import { generateRegistrationOptions, verifyRegistrationResponse } from "@simplewebauthn/server";
import { isoBase64URL } from "@simplewebauthn/server/helpers";
import type { Context } from "hono";
import { insertPasskey, listPasskeys } from "../db/repositories/passkeys";
import { GatewayError } from "../errors";
import { readJsonObject } from "../http/body";
import { parseBody } from "../http/schema";
import type { AppEnv } from "../http/types";
import { audit } from "../auth/audit";
import { requirePrincipal } from "../auth/authenticate";
import { notify } from "../auth/notify";
import { claimedChallenge, parseRegistrationJson } from "./credential-json";
import { EmptyBody, RegisterPasskeyBody } from "./schemas";
import { CHALLENGE_TTL_MS } from "./challenges";
import { passkeyJson, principalUserId } from "./passkey-json";
import { relyingParty, userHandle } from "./relying-party";

/** COSE algorithms offered: EdDSA, ES256, RS256 (what platform authenticators use). */
const ALGORITHMS = [-8, -7, -257];
export async function registerOptionsHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  parseBody(await readJsonObject(c.req.raw, { optional: true }), EmptyBody);
  const principal = await requirePrincipal(c);
  const userId = principalUserId(principal);
  const rp = relyingParty(deps.config);
  const [existing, challenge] = await Promise.all([
    listPasskeys(deps.db(), userId),
    deps.challenges.issue("register", String(userId), deps.now()),
  ]);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: principal.email,
    userID: userHandle(userId),
    userDisplayName: principal.email,
    challenge: isoBase64URL.toBuffer(challenge),
    timeout: CHALLENGE_TTL_MS,
    attestationType: "none",
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: "required" },
    supportedAlgorithmIDs: ALGORITHMS,
  });
  return c.json(options, 200, { "cache-control": "no-store" });
}

export async function registerHandler(c: Context<AppEnv>): Promise<Response> {
  const deps = c.get("deps");
  const principal = await requirePrincipal(c);
  const userId = principalUserId(principal);
  const fields = parseBody(await readJsonObject(c.req.raw), RegisterPasskeyBody);
  const credential = fields.credential;
  const response = parseRegistrationJson(credential);
  const challenge = claimedChallenge(response.response.clientDataJSON);

  const nowMs = deps.now();
  const record = await deps.challenges.take(challenge, nowMs);
  if (!record || record.purpose !== "register" || record.userId !== String(userId)) {
    audit(c, "passkey_register_failed", { userId, detail: { reason: "challenge" } });
    throw new GatewayError("invalid_token", "The registration challenge is unknown, used or expired", { status: 400 });
  }

  const rp = relyingParty(deps.config);
  let info;
  try {
    const verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
      supportedAlgorithmIDs: ALGORITHMS,
    });
    info = verified.verified ? verified.registrationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (!info || !info.userVerified || info.credential.id !== response.id) {
    audit(c, "passkey_register_failed", { userId, detail: { reason: "verification" } });
    throw new GatewayError("invalid_credentials", "The passkey could not be verified");
  }

  const name = fields.name?.trim() || defaultName(c.req.header("user-agent"));
  const row = await insertPasskey(
    deps.db(),
    {
      userId,
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: response.response.transports ?? [],
      name,
      aaguid: info.aaguid,
      backedUp: info.credentialBackedUp,
    },
    new Date(nowMs),
  );
  if (!row) throw new GatewayError("conflict", "This passkey is already registered", { status: 409 });
  audit(c, "passkey_added", { userId, detail: { passkey: row.id } });
  notify(c, async () => ({ kind: "passkey_added", to: principal.email }));
  return c.json({ passkey: passkeyJson(row) }, 201, { "cache-control": "no-store" });
}

/** "Passkey (Chrome on Android)"-style name when the client gave none. */
function defaultName(userAgent: string | undefined): string {
  const ua = userAgent ?? "";
  const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox" : /Chrome\//.test(ua) ? "Chrome" : /Safari\//.test(ua) ? "Safari" : "";
  const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS X/.test(ua) ? "macOS" : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
  if (browser && os) return `Passkey (${browser} on ${os})`;
  return "Passkey";
}
