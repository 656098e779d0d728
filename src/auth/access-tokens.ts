/**
 * Access tokens: JWTs with `typ: at+jwt` and a `kid`, signed with the key
 * ring's current key (JWT_SECRET under HS256, JWT_PRIVATE_KEY under EdDSA or
 * ES256) and verified with any key of the ring. The configured algorithm is
 * pinned; `none`, every other alg, unknown or missing `kid`,
 * wrong iss/aud/typ, `crit`, missing or mistyped claims and oversized tokens
 * are all `invalid_token`; an expired one is `token_expired`.
 *
 * Keys are imported once per isolate (cached per Config), never per request.
 *
 * @example
 * const tokens = accessTokenService(config);
 * const { token } = await tokens.issue(user, sessionId, Date.now(), ["pwd", "otp", "mfa"]);
 * const claims = await tokens.verify(token, Date.now());
 */
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { Config } from "../config";
import { GatewayError } from "../errors";
import { AMR_PASSWORD } from "./amr";
import { keyRing } from "./key-ring";

export { keyIdFor } from "./key-ring";
import { newJti } from "./jti";

export const MAX_TOKEN_LENGTH = 4096;
export const CLOCK_TOLERANCE_SECONDS = 5;

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
  /** RFC 8176 methods of the session; a token without the claim reads as `["pwd"]`. */
  amr: string[];
  iat: number;
  exp: number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresAt: number;
}

export interface AccessTokenService {
  /** Signs a token for `subject` in session `sessionId`, whose methods are `amr` (default `["pwd"]`). */
  issue(subject: AccessSubject, sessionId: string, nowMs: number, amr?: readonly string[]): Promise<IssuedAccessToken>;
  verify(token: string, nowMs: number): Promise<AccessClaims>;
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
  const amr = p["amr"] === undefined ? [...AMR_PASSWORD] : p["amr"];
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
    !isStringArray(roles) ||
    !isStringArray(amr)
  ) {
    throw invalid();
  }
  return { sub, sid, jti, email, email_verified: verified, roles, amr, iat, exp };
}

function createService(config: Config): AccessTokenService {
  const keys = () => keyRing(config);

  return {
    async issue(subject, sessionId, nowMs, amr = AMR_PASSWORD) {
      const { alg, signKid, signKey } = await keys();
      const iat = Math.floor(nowMs / 1000);
      const exp = iat + config.accessTokenTtl;
      const jti = newJti(nowMs);
      const token = await new SignJWT({
        sid: sessionId,
        email: subject.email,
        email_verified: subject.emailVerified,
        roles: subject.roles,
        amr: [...amr],
      })
        .setProtectedHeader({ alg, typ: "at+jwt", kid: signKid })
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
      const ring = await keys();
      let kid: unknown;
      try {
        const header = decodeProtectedHeader(token);
        if (header.alg !== ring.alg || header.typ !== "at+jwt" || header.crit !== undefined) throw invalid();
        if (header.jku !== undefined || header.jwk !== undefined || header.x5u !== undefined) throw invalid();
        kid = header.kid;
      } catch {
        throw invalid();
      }
      const key = typeof kid === "string" ? ring.byKid.get(kid) : undefined;
      if (!key) throw invalid();
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: [ring.alg],
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
