#!/usr/bin/env node
/**
 * Prints a new signing key pair as JWKs for JWT_ALGORITHM=EdDSA (default) or
 * ES256: the private JWK for JWT_PRIVATE_KEY (a secret: `wrangler secret put
 * JWT_PRIVATE_KEY`) and its public JWK (what the JWKS will serve, and what
 * goes into JWT_PREVIOUS_PUBLIC_KEYS when the key is later rotated out).
 * `kid` is the RFC 7638 thumbprint, as the gateway computes it.
 *
 *   npm run keys -- EdDSA
 *   npm run keys -- ES256 --json   # one JSON object {algorithm, private, public}
 */
import { createHash, generateKeyPairSync } from "node:crypto";

const args = process.argv.slice(2);
const json = args.includes("--json");
const algorithm = args.find((a) => !a.startsWith("--")) ?? "EdDSA";

if (algorithm !== "EdDSA" && algorithm !== "ES256") {
  process.stderr.write(`usage: npm run keys -- [EdDSA|ES256] [--json]\n(unknown algorithm: ${JSON.stringify(algorithm)})\n`);
  process.exit(2);
}

const { privateKey } =
  algorithm === "EdDSA" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwk = privateKey.export({ format: "jwk" });
const pub = jwk.kty === "EC" ? { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } : { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
// RFC 7638: required members in lexicographic order; JSON.stringify keeps insertion order.
const canonical = jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
const kid = createHash("sha256").update(JSON.stringify(canonical)).digest("base64url");
const publicJwk = { ...pub, kid, alg: algorithm, use: "sig" };
const privateJwk = { ...pub, d: jwk.d, kid, alg: algorithm, use: "sig" };

if (json) {
  process.stdout.write(`${JSON.stringify({ algorithm, private: privateJwk, public: publicJwk })}\n`);
} else {
  process.stdout.write(
    [
      `# A new ${algorithm} signing key (kid ${kid}).`,
      "# Private JWK: the value of JWT_PRIVATE_KEY. Keep it secret (wrangler secret put JWT_PRIVATE_KEY).",
      `JWT_ALGORITHM=${algorithm}`,
      `JWT_PRIVATE_KEY=${JSON.stringify(privateJwk)}`,
      "# Public JWK: served at /auth/.well-known/jwks.json; when you rotate this key out,",
      "# add it to the JSON array JWT_PREVIOUS_PUBLIC_KEYS.",
      JSON.stringify(publicJwk),
      "",
    ].join("\n"),
  );
}
