/**
 * The `x-auth-assertion` the upstream verifies to know a request came through
 * the gateway: an HS256 JWT under UPSTREAM_SECRET (the UTF-8 bytes of the
 * string exactly as given), header `{"alg":"HS256","typ":"JWT"}`, lifetime
 * 60 s, claims `iss`, `aud` (UPSTREAM_AUDIENCE), `sub`, `sid`, `email`,
 * `email_verified`, `roles`, `amr`, `jti`, `iat`, `nbf`, `exp`, and `mth`, `pth`,
 * `rid` binding it to one request (method, normalised path, request id) so a
 * leaked assertion cannot be replayed against another endpoint.
 *
 * With an asymmetric JWT_ALGORITHM the assertion is signed instead by the
 * gateway's private key (`alg` EdDSA or ES256, header `kid`), so the upstream
 * verifies it from `/auth/.well-known/jwks.json` without a shared secret.
 *
 * The HMAC key is imported once per signer, not once per request.
 */
import { SignJWT } from "jose";

/** An asymmetric key that signs instead of the HMAC secret. */
export interface AssertionPrivateKey {
  alg: "EdDSA" | "ES256";
  kid: string;
  key: CryptoKey;
}

export interface AssertionSignerOptions {
  /** UPSTREAM_SECRET: the HMAC key when no `privateKey` is given. */
  secret: string;
  /** Resolves the asymmetric signing key (JWT_PRIVATE_KEY); replaces `secret` when given. */
  privateKey?: () => Promise<AssertionPrivateKey>;
  audience: string;
  issuer: string;
  /** Lifetime in seconds; 60 by default. */
  ttlSeconds?: number;
}

export interface AssertionClaims {
  sub: string;
  sid: string;
  email: string;
  email_verified: boolean;
  roles: string[];
  /** RFC 8176 methods of the session. */
  amr: string[];
  method: string;
  path: string;
  requestId: string;
}

export interface AssertionSigner {
  /** Signs an assertion for one request; `nowMs` is the clock (ms since epoch). */
  sign(claims: AssertionClaims, nowMs: number): Promise<string>;
}

const DEFAULT_TTL_SECONDS = 60;

/**
 * Builds a signer; options are checked here, once, not on the request path.
 *
 * @example
 * const signer = createAssertionSigner({ secret: env.UPSTREAM_SECRET, audience: "upstream", issuer: "https://gw.example" });
 * const jwt = await signer.sign(
 *   { sub: "42", sid: "s1", email: "ana@example.com", email_verified: true, roles: ["user"], amr: ["pwd"],
 *     method: "GET", path: "/api/me", requestId: "r1" },
 *   Date.now(),
 * );
 */
export function createAssertionSigner(opts: AssertionSignerOptions): AssertionSigner {
  const ttl = opts.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (opts.secret.length === 0 && !opts.privateKey) throw new Error("assertion signer requires a non-empty secret");
  if (opts.audience.length === 0) throw new Error("assertion signer requires an audience");
  if (!Number.isInteger(ttl) || ttl <= 0) throw new Error("assertion signer ttlSeconds must be a positive integer");

  // The resolved key is kept, so later requests never await a promise born in
  // another request's context (workerd warns about that).
  let key: CryptoKey | undefined;
  const hmacKey = async (): Promise<CryptoKey> => {
    key ??= await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(opts.secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    return key;
  };

  const signingKey = async (): Promise<{ header: { alg: string; typ: "JWT"; kid?: string }; key: CryptoKey }> => {
    if (!opts.privateKey) return { header: { alg: "HS256", typ: "JWT" }, key: await hmacKey() };
    const k = await opts.privateKey();
    return { header: { alg: k.alg, typ: "JWT", kid: k.kid }, key: k.key };
  };

  return {
    async sign(claims, nowMs) {
      const iat = Math.floor(nowMs / 1000);
      const { header, key: signWith } = await signingKey();
      return new SignJWT({
        sid: claims.sid,
        email: claims.email,
        email_verified: claims.email_verified,
        roles: [...claims.roles],
        amr: [...claims.amr],
        mth: claims.method,
        pth: claims.path,
        rid: claims.requestId,
      })
        .setProtectedHeader(header)
        .setIssuer(opts.issuer)
        .setAudience(opts.audience)
        .setSubject(claims.sub)
        .setJti(crypto.randomUUID())
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + ttl)
        .sign(signWith);
    },
  };
}
