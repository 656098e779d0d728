/**
 * The signing part of the configuration: JWT_ALGORITHM [HS256], and for EdDSA
 * or ES256 the private JWK that signs (JWT_PRIVATE_KEY) and the public JWKs
 * that still verify (JWT_PREVIOUS_PUBLIC_KEYS). Read once, with parseConfig.
 *
 * @example
 * const signing = signingConfig(new Reader(env)); // { algorithm: "EdDSA", current, previous }
 */
import type { Reader } from "../config-reader";
import {
  parsePreviousPublicJwks,
  parsePrivateJwk,
  type JwtAlgorithm,
  type PrivateSigningKey,
  type PublicJwk,
} from "./signing-keys";

export type SigningConfig =
  | { algorithm: "HS256" }
  | { algorithm: "EdDSA" | "ES256"; current: PrivateSigningKey; previous: PublicJwk[] };

const ALGORITHMS: readonly JwtAlgorithm[] = ["HS256", "EdDSA", "ES256"];

export function signingConfig(r: Reader): SigningConfig {
  const algorithm = r.oneOf<JwtAlgorithm>("JWT_ALGORITHM", ALGORITHMS, "HS256");
  const privateRaw = r.str("JWT_PRIVATE_KEY");
  const previousRaw = r.str("JWT_PREVIOUS_PUBLIC_KEYS");
  if (algorithm === "HS256") {
    if (privateRaw !== undefined || previousRaw !== undefined) {
      r.problems.push(
        "JWT_PRIVATE_KEY and JWT_PREVIOUS_PUBLIC_KEYS are only read with JWT_ALGORITHM=EdDSA or ES256 (JWT_ALGORITHM is HS256)",
      );
    }
    return { algorithm };
  }
  const current = parsePrivateJwk(algorithm, privateRaw, r.problems);
  const previous = parsePreviousPublicJwks(algorithm, previousRaw, r.problems);
  // With problems pushed, parseConfig throws before anyone reads this.
  return current ? { algorithm, current, previous } : { algorithm: "HS256" };
}
