/**
 * GET /auth/.well-known/jwks.json: the public keys that verify access tokens
 * and upstream assertions (current first, then JWT_PREVIOUS_PUBLIC_KEYS), each
 * with `kid`, `alg` and `use: "sig"`; `{"keys": []}` under HS256. Never a
 * private member. Cacheable for five minutes.
 */
import type { Context } from "hono";
import type { AppEnv } from "../../http/types";
import { keyRing } from "../key-ring";
import { publicKeySet } from "../signing-keys";

export const JWKS_CACHE_CONTROL = "public, max-age=300";

export async function jwksHandler(c: Context<AppEnv>): Promise<Response> {
  const { signing } = c.get("deps").config;
  // Build the ring first: a key WebCrypto refuses stops here, not after publishing it.
  await keyRing(c.get("deps").config);
  const set = signing.algorithm === "HS256" ? publicKeySet(undefined, []) : publicKeySet(signing.current, signing.previous);
  return c.json(set, 200, { "cache-control": JWKS_CACHE_CONTROL });
}
