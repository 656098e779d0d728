/**
 * The upstream assertion signer for this configuration, built once per
 * isolate: HS256 under UPSTREAM_SECRET, or, with an asymmetric JWT_ALGORITHM,
 * the key ring's private key (verifiable from the JWKS).
 */
import { keyRing } from "../auth/key-ring";
import type { Config } from "../config";
import { createAssertionSigner, type AssertionPrivateKey } from "./assertion";

type Signer = ReturnType<typeof createAssertionSigner>;
const signers = new WeakMap<Config, Signer>();

export function assertionSigner(config: Config): Signer {
  let s = signers.get(config);
  if (!s) {
    const privateKey =
      config.signing.algorithm === "HS256"
        ? undefined
        : async (): Promise<AssertionPrivateKey> => {
            const ring = await keyRing(config);
            return { alg: ring.alg as AssertionPrivateKey["alg"], kid: ring.signKid, key: ring.signKey };
          };
    s = createAssertionSigner({
      secret: config.upstreamSecret,
      privateKey,
      audience: config.upstreamAudience,
      issuer: config.jwtIssuer,
    });
    signers.set(config, s);
  }
  return s;
}
