// JWT_ALGORITHM / JWT_PRIVATE_KEY / JWT_PREVIOUS_PUBLIC_KEYS validation: every
// malformed key is a named problem, and no problem ever holds a key's value.
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/config";
import { jwkThumbprint } from "../../src/auth/signing-keys";
import { configProblems, productionEnv } from "../helpers/config-env";
import { testGateway } from "../helpers/gateway";
import { newKeyPair, signingVars } from "../helpers/keys";

const BASE = productionEnv();
/** The problems of the production env with `env` on top. */
const problems = (env: Record<string, string>): string[] => configProblems(productionEnv(env));

const ed = await newKeyPair("EdDSA");
const ec = await newKeyPair("ES256");
const secrets = [ed.privateJwk.d, ed.privateJwk.x, ec.privateJwk.d, ec.privateJwk.x, ec.privateJwk.y] as string[];

function expectNamed(env: Record<string, string>, pattern: RegExp): void {
  const found = problems(env);
  expect(found.join("\n")).toMatch(pattern);
  for (const p of found) for (const s of secrets) expect(p).not.toContain(s);
}

describe("signing configuration", () => {
  it("defaults to HS256 with no key", () => {
    expect(parseConfig(BASE).signing).toEqual({ algorithm: "HS256" });
  });

  it("reads an EdDSA and an ES256 key, kid = RFC 7638 thumbprint", () => {
    const c = parseConfig({ ...BASE, ...signingVars(ed) });
    expect(c.signing.algorithm).toBe("EdDSA");
    if (c.signing.algorithm === "HS256") throw new Error("unreachable");
    expect(c.signing.current.publicJwk).toEqual(ed.publicJwk);
    const e = parseConfig({ ...BASE, ...signingVars(ec) });
    if (e.signing.algorithm === "HS256") throw new Error("unreachable");
    expect(e.signing.current.publicJwk.kid).toBe(ec.kid);
  });

  it("computes the RFC 7638 example thumbprint", () => {
    // RFC 8037 appendix A.3: the Ed25519 example key's thumbprint.
    expect(jwkThumbprint({ kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" })).toBe(
      "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    );
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ["an unknown algorithm", { JWT_ALGORITHM: "RS256" }, /JWT_ALGORITHM must be one of HS256, EdDSA, ES256/],
    ["none", { JWT_ALGORITHM: "none" }, /JWT_ALGORITHM must be one of/],
    ["a missing key", { JWT_ALGORITHM: "EdDSA" }, /JWT_PRIVATE_KEY is required when JWT_ALGORITHM=EdDSA/],
    ["not JSON", { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: `{${ed.privateJwk.d}` }, /JWT_PRIVATE_KEY must be JSON/],
    ["a JSON array", { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify([ed.privateJwk]) }, /JWT_PRIVATE_KEY must be a JWK/],
    ["a public-only key", { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify(ed.publicJwk) }, /JWT_PRIVATE_KEY is a public key/],
    ["the wrong kty", { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify(ec.privateJwk) }, /JWT_PRIVATE_KEY has the wrong key type \(kty\)/],
    ["an RSA/oct key", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: JSON.stringify({ kty: "oct", k: ed.privateJwk.d }) }, /wrong key type/],
    ["the wrong curve", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: JSON.stringify({ ...ec.privateJwk, crv: "P-384" }) }, /JWT_PRIVATE_KEY has the wrong curve \(crv\)/],
    ["X25519 (not a signing curve)", { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify({ ...ed.privateJwk, crv: "X25519" }) }, /wrong curve/],
    ["another alg marker", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: JSON.stringify({ ...ec.privateJwk, alg: "ES384" }) }, /marked for another algorithm/],
    ["an encryption key", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: JSON.stringify({ ...ec.privateJwk, use: "enc" }) }, /not a signing key/],
    ["a truncated d", { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify({ ...ed.privateJwk, d: (ed.privateJwk.d as string).slice(2) }) }, /member "d" must be 32 bytes/],
    ["a missing y", { JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: JSON.stringify({ ...ec.privateJwk, y: undefined }) }, /member "y" must be 32 bytes/],
    ["previous keys not an array", { ...signingVars(ed), JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify(ed.publicJwk) }, /JWT_PREVIOUS_PUBLIC_KEYS must be a JSON array/],
    ["a private previous key", { ...signingVars(ed), JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify([ed.privateJwk]) }, /JWT_PREVIOUS_PUBLIC_KEYS\[0\] holds a private key/],
    ["a previous key of another algorithm", { ...signingVars(ed), JWT_PREVIOUS_PUBLIC_KEYS: JSON.stringify([ec.publicJwk]) }, /JWT_PREVIOUS_PUBLIC_KEYS\[0\] has the wrong key type/],
    ["previous keys not JSON", { ...signingVars(ed), JWT_PREVIOUS_PUBLIC_KEYS: "[{" }, /JWT_PREVIOUS_PUBLIC_KEYS must be JSON/],
    ["a key under HS256", { JWT_PRIVATE_KEY: JSON.stringify(ed.privateJwk) }, /only read with JWT_ALGORITHM=EdDSA or ES256/],
  ])("names %s", (_name, env, pattern) => {
    expectNamed(env, pattern);
  });

  it("lists key problems with the others, in one error", () => {
    const found = problems({ JWT_SECRET: "short", JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify(ed.publicJwk) });
    expect(found.some((p) => p.startsWith("JWT_SECRET"))).toBe(true);
    expect(found.some((p) => p.startsWith("JWT_PRIVATE_KEY"))).toBe(true);
  });
});

describe("a key whose members do not form a key", () => {
  it("stops the gateway at the first request, naming JWT_PRIVATE_KEY and not its value", async () => {
    // x of one key with d of another: well-formed, but the JWKS could not verify what it signs.
    const other = await newKeyPair("EdDSA");
    const mixed = { ...ed.privateJwk, x: other.privateJwk.x };
    const gw = await testGateway({ JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify(mixed) });
    for (const path of ["/auth/.well-known/jwks.json", "/api/anything"]) {
      const res = await gw.fetch(path, { headers: { authorization: "Bearer a.b.c" } });
      expect(res.status).toBe(500);
      const text = await res.text();
      expect(text).toContain("JWT_PRIVATE_KEY");
      for (const s of [...secrets, other.privateJwk.x as string]) expect(text).not.toContain(s);
    }
  });

  it("refuses an ES256 point that is not on the curve", async () => {
    const bad = { ...ec.privateJwk, y: ec.privateJwk.x };
    const gw = await testGateway({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEY: JSON.stringify(bad) });
    const res = await gw.fetch("/auth/.well-known/jwks.json");
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/JWT_PRIVATE_KEY (is not a usable|'s public members)/);
  });
});
