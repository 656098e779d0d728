/**
 * Access tokens: HS256 JWTs with `typ: at+jwt` and a `kid`, signed with
 * JWT_SECRET and verified with it or any of JWT_PREVIOUS_SECRETS. The
 * algorithm is pinned; `none`, every other alg, unknown or missing `kid`,
 * wrong iss/aud/typ, `crit`, missing or mistyped claims and oversized tokens
 * are all `invalid_token`; an expired one is `token_expired`.
 *
 * Keys are imported once per isolate (cached per Config), never per request.
 *
 * @example
 * const tokens = accessTokenService(config);
 * const { token } = await tokens.issue(user, sessionId, Date.now());
 * const claims = await tokens.verify(token, Date.now());
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Config } from "../config";
import { GatewayError } from "../errors";

export const MAX_TOKEN_LENGTH = 4096;
const CLOCK_TOLERANCE_SECONDS = 5;
const encoder = new TextEncoder();

export interface AccessSubject {
  id: string;
  email: string;
  emailVerified: boolean;
  roles: string[];
}

export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
  email: string;
  email_verified: boolean;
  roles: string[];
  iat: number;
  exp: number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: number;
}

export interface AccessTokenService {
  issue(subject: AccessSubject, sessionId: string, nowMs: number): Promise<IssuedAccessToken>;
  verify(token: string, nowMs: number): Promise<AccessClaims>;
}

interface KeyRing {
  signKid: string;
  signKey: CryptoKey;
  byKid: Map<string, CryptoKey>;
}

/** A short, non-secret key id: base64url of SHA-256("kid:" + secret), 16 chars. */
export async function keyIdFor(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`kid:${secret}`)));
  let bin = "";
  for (const b of digest.subarray(0, 12)) bin += String.fromCharCode(b);
  return btoa(bin).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

async function buildKeyRing(config: Config): Promise<KeyRing> {
  const byKid = new Map<string, CryptoKey>();
  const signKid = await keyIdFor(config.jwtSecret);
  const signKey = await importHmacKey(config.jwtSecret);
  byKid.set(signKid, signKey);
  for (const secret of config.jwtPreviousSecrets) {
    const kid = await keyIdFor(secret);
    if (!byKid.has(kid)) byKid.set(kid, await importHmacKey(secret));
  }
  return { signKid, signKey, byKid };
}

function invalid(detail = "The access token is invalid"): GatewayError {
  return new GatewayError("invalid_token", detail);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function toClaims(p: JWTPayload): AccessClaims {
  const { sub, jti, iat, exp } = p;
  const sid = p["sid"];
  const email = p["email"];
  const verified = p["email_verified"];
  const roles = p["roles"];
  if (
    typeof sub !== "string" ||
    sub === "" ||
    typeof sid !== "string" ||
    sid === "" ||
    typeof jti !== "string" ||
    jti === "" ||
    typeof iat !== "number" ||
    typeof exp !== "number" ||
    typeof p.nbf !== "number" ||
    typeof email !== "string" ||
    typeof verified !== "boolean" ||
    !isStringArray(roles)
  ) {
    throw invalid();
  }
  return { sub, sid, jti, email, email_verified: verified, roles, iat, exp };
}

function createService(config: Config): AccessTokenService {
  let ring: Promise<KeyRing> | undefined;
  const keys = () => (ring ??= buildKeyRing(config).catch((err: unknown) => {
    ring = undefined;
    throw err;
  }));

  return {
    async issue(subject, sessionId, nowMs) {
      const { signKid, signKey } = await keys();
      const iat = Math.floor(nowMs / 1000);
      const exp = iat + config.accessTokenTtl;
      const jti = crypto.randomUUID();
      const token = await new SignJWT({
        sid: sessionId,
        email: subject.email,
        email_verified: subject.emailVerified,
        roles: subject.roles,
      })
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: signKid })
        .setIssuer(config.jwtIssuer)
        .setAudience(config.jwtAudience)
        .setSubject(subject.id)
        .setJti(jti)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(exp)
        .sign(signKey);
      return { token, jti, expiresAt: exp };
    },

    async verify(token, nowMs) {
      if (token.length > MAX_TOKEN_LENGTH) throw invalid();
      let kid: unknown;
      try {
        const header = decodeProtectedHeader(token);
        if (header.alg !== "HS256" || header.typ !== "at+jwt" || header.crit !== undefined) throw invalid();
        if (header.jku !== undefined || header.jwk !== undefined || header.x5u !== undefined) throw invalid();
        kid = header.kid;
      } catch {
        throw invalid();
      }
      const key = typeof kid === "string" ? (await keys()).byKid.get(kid) : undefined;
      if (!key) throw invalid();
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ["HS256"],
          typ: "at+jwt",
          issuer: config.jwtIssuer,
          audience: config.jwtAudience,
          currentDate: new Date(nowMs),
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ["sub", "sid", "jti", "iat", "nbf", "exp"],
        });
        return toClaims(payload);
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) {
          throw new GatewayError("token_expired", "The access token has expired");
        }
        if (err instanceof GatewayError) throw err;
        throw invalid();
      }
    },
  };
}

const services = new WeakMap<Config, AccessTokenService>();

/** The access-token service for this configuration, built once per isolate. */
export function accessTokenService(config: Config): AccessTokenService {
  let s = services.get(config);
  if (!s) {
    s = createService(config);
    services.set(config, s);
  }
  return s;
}
