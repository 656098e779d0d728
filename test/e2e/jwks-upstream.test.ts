// JWT_ALGORITHM=EdDSA through the real stack: the FastAPI example holds no
// shared secret and verifies every x-auth-assertion from the gateway's JWKS
// alone (examples/fastapi/gateway_jwks.py).
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, strongPassword, uniqueEmail } from "./helpers/client";
import { startStack, type Stack } from "./helpers/stack";

let stack: Stack;
const ip = ipAllocator();
const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });

beforeAll(async () => {
  stack = await startStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "jwks",
    env: { JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEY: JSON.stringify(jwk) },
    fastapiEnv: (gatewayUrl) => ({
      UPSTREAM_SECRET: "",
      UPSTREAM_JWT_ALGORITHM: "EdDSA",
      UPSTREAM_JWKS_URL: `${gatewayUrl}/auth/.well-known/jwks.json`,
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

describe("an upstream that verifies from the JWKS alone", () => {
  it("serves the public key, and FastAPI accepts the gateway's EdDSA assertions", async () => {
    const jwks = await call<{ keys: Record<string, string>[] }>(stack.gatewayUrl, "GET", "/auth/.well-known/jwks.json");
    expect(jwks.status).toBe(200);
    expect(jwks.headers.get("cache-control")).toBe("public, max-age=300");
    expect(jwks.body.keys).toHaveLength(1);
    expect(jwks.body.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", x: jwk.x, alg: "EdDSA", use: "sig" });
    expect(jwks.text).not.toContain(jwk.d as string);

    const email = uniqueEmail("jwks");
    const password = strongPassword();
    const headers = { "cf-connecting-ip": ip(1), origin: stack.gatewayUrl };
    expect((await call(stack.gatewayUrl, "POST", "/auth/register", { json: { email, password }, headers })).status).toBe(202);
    const login = await call(stack.gatewayUrl, "POST", "/auth/login", { json: { email, password, transport: "bearer" }, headers });
    expect(login.status).toBe(200);
    const auth = { authorization: `Bearer ${login.body.access_token as string}` };
    for (let i = 0; i < 3; i++) {
      const me = await call(stack.gatewayUrl, "GET", "/api/me", { headers: auth });
      expect(me.status).toBe(200);
      expect(me.body.email).toBe(email);
    }
    // Without the gateway, the app still refuses (it holds no secret to trust instead).
    expect((await call(stack.fastapiUrl, "GET", "/api/me", { headers: { "x-user-id": "1" } })).status).toBe(401);
    await stack.settleFastapiLog();
    const fetched = stack.fastapiRequests().filter((r) => r.path === "/api/me" && r.status === 200);
    expect(fetched).toHaveLength(3);
  });
});
