/** The password hasher for this configuration, built once per isolate. */
import type { Config } from "../config";
import { createPasswordHasher, type PasswordHasher } from "./passwords";

const hashers = new WeakMap<Config, PasswordHasher>();

export function passwordHasher(config: Config): PasswordHasher {
  let h = hashers.get(config);
  if (!h) {
    h = createPasswordHasher({
      pepper: config.passwordPepper,
      previousPeppers: config.passwordPreviousPeppers,
      cost: config.bcryptCost,
    });
    hashers.set(config, h);
  }
  return h;
}
