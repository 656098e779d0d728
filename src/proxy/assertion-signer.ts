/** The upstream assertion signer for this configuration, built once per isolate. */
import type { Config } from "../config";
import { createAssertionSigner } from "./assertion";

type Signer = ReturnType<typeof createAssertionSigner>;
const signers = new WeakMap<Config, Signer>();

export function assertionSigner(config: Config): Signer {
  let s = signers.get(config);
  if (!s) {
    s = createAssertionSigner({ secret: config.upstreamSecret, audience: config.upstreamAudience, issuer: config.jwtIssuer });
    signers.set(config, s);
  }
  return s;
}
