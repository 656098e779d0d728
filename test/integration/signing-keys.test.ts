// JWT_ALGORITHM=EdDSA and ES256 end to end in workerd: tokens and assertions
// signed by JWT_PRIVATE_KEY, verifiable from /auth/.well-known/jwks.json alone,
// rotation through JWT_PREVIOUS_PUBLIC_KEYS, and HS256's empty key set.
import { describe, expect, it } from "vitest";
import { testGateway } from "../helpers/gateway";
import { bearer, newUser } from "../helpers/http";
import { headerOf, newKeyPair, signingVars, verifyFromJwks, type Alg } from "../helpers/keys";
import { recordedFor } from "../helpers/upstream";

const marker = () => `k${crypto.randomUUID().slice(0, 8)}`;

describe("JWKS under HS256 (the default)", () => {
  it("serves an empty, cacheable key set and keeps signing HS256", async () => {
    const gw = await testGateway();
    const res = await gw.fetch("/auth/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ keys: [] });
    const s = await newUser(gw, "hs");
    expect(headerOf(s.access)).toMatchObject({ alg: "HS256", typ: "at+jwt" });
  });

  it("answers HEAD, and 405 for other methods", async () => {
    const gw = await testGateway();
    expect((await gw.fetch("/auth/.well-known/jwks.json", { method: "HEAD" })).status).toBe(200);
    const post = await gw.fetch("/auth/.well-known/jwks.json", { method: "POST", headers: { origin: "https://gateway.test" } });
    expect(post.status).toBe(405);
  });
});

describe.each<Alg>(["EdDSA", "ES256"])("JWT_ALGORITHM=%s", (alg) => {
  it("serves the public key with kid, alg and use, never a private member", async () => {
    const key = await newKeyPair(alg);
    const old = await newKeyPair(alg);
    const gw = await testGateway(signingVars(key, [old]));
    const res = await gw.fetch("/auth/.well-known/jwks.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const text = await res.text();
    const { keys } = JSON.parse(text) as { keys: Record<string, unknown>[] };
    expect(keys).toEqual([key.publicJwk, old.publicJwk]);
    for (const k of keys) expect(Object.keys(k).sort()).toEqual(alg === "ES256" ? ["alg", "crv", "kid", "kty", "use", "x", "y"] : ["alg", "crv", "kid", "kty", "use", "x"]);
    expect(text).not.toContain('"d"');
    expect(text).not.toContain(key.privateJwk.d as string);
  });

  it("signs access tokens that the JWKS alone verifies, and accepts them at /auth/me", async () => {
    const key = await newKeyPair(alg);
    const gw = await testGateway(signingVars(key));
    const s = await newUser(gw, alg.toLowerCase());
    expect(headerOf(s.access)).toEqual({ alg, typ: "at+jwt", kid: key.kid });
    const { payload } = await verifyFromJwks(gw, s.access, { alg, audience: "api", typ: "at+jwt" });
    expect(payload.email).toBe(s.email);
    const me = await gw.fetch("/auth/me", { headers: bearer(s.access) });
    expect(me.status).toBe(200);
    // A refresh signs with the same key.
    const refreshed = await gw.fetch("/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: s.refresh }),
    });
    expect(refreshed.status).toBe(200);
    const next = await refreshed.json<{ access_token: string }>();
    expect(headerOf(next.access_token).kid).toBe(key.kid);
  });

  it("signs the upstream assertion with the private key, verifiable from the JWKS", async () => {
    const key = await newKeyPair(alg);
    const gw = await testGateway(signingVars(key));
    const s = await newUser(gw, "assert");
    const m = marker();
    const res = await gw.fetch(`/api/${m}`, { headers: { ...bearer(s.access), "x-request-id": `rid-${m}` } });
    expect(res.status).toBe(200);
    const [seen] = await recordedFor(m);
    const assertion = seen?.headers["x-auth-assertion"] as string;
    expect(headerOf(assertion)).toEqual({ alg, typ: "JWT", kid: key.kid });
    const { payload } = await verifyFromJwks(gw, assertion, { alg, audience: "upstream" });
    expect(payload).toMatchObject({ sub: seen?.headers["x-user-id"], email: s.email, mth: "GET", pth: `/api/${m}`, rid: `rid-${m}` });
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
  });

  it("rotates: the new key signs, the previous public key still verifies, then retiring it refuses", async () => {
    const oldKey = await newKeyPair(alg);
    const newKey = await newKeyPair(alg);
    const before = await testGateway(signingVars(oldKey));
    const s = await newUser(before, "rotate");
    // Same database, new configuration: what a deploy of the rotated key does.
    const during = await testGateway(signingVars(newKey, [oldKey]), {}, { databaseUrl: before.databaseUrl });
    expect((await during.fetch("/auth/me", { headers: bearer(s.access) })).status).toBe(200);
    const m = marker();
    expect((await during.fetch(`/api/${m}`, { headers: bearer(s.access) })).status).toBe(200);
    const refreshed = await during.fetch("/auth/refresh", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: s.refresh }),
    });
    const fresh = (await refreshed.json<{ access_token: string }>()).access_token;
    expect(headerOf(fresh).kid).toBe(newKey.kid);
    const jwks = await (await during.fetch("/auth/.well-known/jwks.json")).json<{ keys: { kid: string }[] }>();
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKey.kid, oldKey.kid]);

    const after = await testGateway(signingVars(newKey), {}, { databaseUrl: before.databaseUrl });
    const refused = await after.fetch("/auth/me", { headers: bearer(s.access) });
    expect(refused.status).toBe(401);
    expect((await refused.json<{ code: string }>()).code).toBe("invalid_token");
    expect((await after.fetch("/auth/me", { headers: bearer(fresh) })).status).toBe(200);
  });

  it("refuses HS256 tokens once the algorithm moved to " + alg, async () => {
    const hs = await testGateway();
    const s = await newUser(hs, "moved");
    const key = await newKeyPair(alg);
    const asym = await testGateway(signingVars(key), {}, { databaseUrl: hs.databaseUrl });
    const res = await asym.fetch("/auth/me", { headers: bearer(s.access) });
    expect(res.status).toBe(401);
    expect((await res.json<{ code: string }>()).code).toBe("invalid_token");
  });
});
