// GET /auth/openapi.json: generated from the same schemas the endpoints
// validate with, covering every /auth route the router mounts. (The document
// is validated with a real OpenAPI validator in test/e2e/openapi.test.ts; every
// response of this suite is checked against it by test/helpers/conformance.ts.)
import { beforeAll, describe, expect, it } from "vitest";
import { authRoutes } from "../../src/auth/routes";
import { describedRoutes } from "../../src/openapi/describe";
import { testGateway, type TestGateway } from "../helpers/gateway";
import { bearer, newUser, postJson, register, uniqueEmail } from "../helpers/http";

interface Operation {
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, "{$1}");
/** What the router itself mounts: method + full path, the catch-all left out (the document describes itself too). */
function mountedRoutes(): Set<string> {
  const out = new Set<string>();
  for (const r of authRoutes().routes) {
    if (r.method === "ALL") continue;
    out.add(`${r.method.toLowerCase()} /auth${r.path}`);
  }
  return out;
}

let gw: TestGateway;
let doc: Document;
beforeAll(async () => {
  gw = await testGateway();
  const res = await gw.fetch("/auth/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.headers.get("cache-control")).toBe("public, max-age=300");
  doc = await res.json<Document>();
});

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 with the bearer and cookie security schemes", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["accessCookie", "bearerAuth", "refreshCookie"]);
  });

  it("describes every route the /auth router mounts, and nothing it does not", () => {
    const described = new Set(describedRoutes().map((d) => `${d.method} ${d.path}`));
    const mounted = mountedRoutes();
    expect([...mounted].filter((r) => !described.has(r)), "mounted but not described").toEqual([]);
    const inDocument = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
    );
    for (const r of mounted) {
      const [method, path] = r.split(" ");
      expect(inDocument.has(`${method} ${toOpenApiPath(path ?? "")}`), r).toBe(true);
    }
    expect(inDocument.size).toBe(mounted.size);
  });

  it("gives every JSON body a closed schema and every operation its problem responses", () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const body = op.requestBody?.content["application/json"]?.schema;
        if (body) expect(body.additionalProperties, `${method} ${path}`).toBe(false);
        expect(op.responses["500"]?.content?.["application/problem+json"], `${method} ${path}`).toBeDefined();
        expect(op.responses["503"]?.content?.["application/problem+json"], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it("documents the same limits the endpoint enforces (one schema for both)", async () => {
    const login = doc.paths["/auth/login"]?.post?.requestBody?.content["application/json"]?.schema as {
      properties: Record<string, { maxLength?: number; enum?: string[] }>;
      required: string[];
    };
    expect(login.required.sort()).toEqual(["email", "password"]);
    expect(login.properties.transport?.enum).toEqual(["cookie", "bearer"]);
    const tooLong = "a".repeat((login.properties.email?.maxLength ?? 0) + 1);
    const res = await postJson(gw, "/auth/login", { email: tooLong, password: "x", transport: "bearer" });
    expect(res.status).toBe(422);
    const problem = await res.json<{ errors: Array<{ field: string; message: string }> }>();
    expect(problem.errors).toEqual([{ field: "email", message: `must be at most ${tooLong.length - 1} characters` }]);
    const wrongTransport = await postJson(gw, "/auth/login", { email: "a@b.c", password: "x", transport: "carrier" });
    expect((await wrongTransport.json<{ errors: unknown[] }>()).errors).toEqual([
      { field: "transport", message: "must be one of cookie, bearer" },
    ]);
  });

  it("documents full_name with the limit the endpoints enforce: 200 code points (JSON Schema's maxLength counts code points)", async () => {
    const nameOf = (path: string, method: string) =>
      JSON.stringify((doc.paths[path]?.[method]?.requestBody?.content["application/json"]?.schema as { properties: Record<string, unknown> }).properties.full_name);
    expect(nameOf("/auth/me", "patch")).toContain('"maxLength":200');
    expect(nameOf("/auth/register", "post")).toContain('"maxLength":200');
    const astral = "\u{1F600}".repeat(200); // 200 code points, 400 UTF-16 units: within the documented limit
    const user = await newUser(gw, "name-limit");
    const patch = (fullName: string) =>
      gw.fetch("/auth/me", { method: "PATCH", headers: { ...bearer(user.access), "content-type": "application/json" }, body: JSON.stringify({ full_name: fullName }) });
    expect((await patch(astral)).status).toBe(200);
    expect((await patch(`${astral}a`)).status).toBe(422);
    expect((await register(gw, uniqueEmail("name-limit"), undefined, { full_name: astral })).status).toBe(202);
    const tooLong = await register(gw, uniqueEmail("name-limit"), undefined, { full_name: `${astral}a` });
    expect(tooLong.status).toBe(422);
  });

  it("describes a passkey credential as the browser's WebAuthn JSON and the members the gateway checks", () => {
    const credentialOf = (path: string) =>
      (doc.paths[path]?.post?.requestBody?.content["application/json"]?.schema as { properties: Record<string, { description?: string }> })
        .properties.credential?.description ?? "";
    const registration = credentialOf("/auth/passkeys/register");
    const authentication = credentialOf("/auth/passkeys/login");
    expect(registration).toContain("WebAuthn RegistrationResponseJSON");
    expect(authentication).toContain("WebAuthn AuthenticationResponseJSON");
    for (const text of [registration, authentication]) {
      for (const member of ["`id`", "`rawId`", "`type`", "`authenticatorAttachment`", "`clientExtensionResults`", "`clientDataJSON`"]) expect(text).toContain(member);
    }
    for (const member of ["`attestationObject`", "`transports`", "`publicKeyAlgorithm`"]) expect(registration).toContain(member);
    for (const member of ["`authenticatorData`", "`signature`", "`userHandle`"]) expect(authentication).toContain(member);
    expect(authentication).not.toContain("attestationObject");
  });

  it("documents the MFA step's members on a login's 401", () => {
    const schema = doc.paths["/auth/login"]?.post?.responses["401"]?.content?.["application/problem+json"]?.schema as {
      properties: Record<string, { type?: string; items?: { enum?: string[] } }>;
    };
    expect(schema.properties.mfa_token?.type).toBe("string");
    expect(schema.properties.methods?.items?.enum).toEqual(["totp", "recovery_code"]);
    const other = doc.paths["/auth/me"]?.get?.responses["401"]?.content?.["application/problem+json"]?.schema as { properties: Record<string, unknown> };
    expect(Object.keys(other.properties)).not.toContain("mfa_token");
  });

  it("answers HEAD-less wrong methods on the document path with 405", async () => {
    const res = await gw.fetch("/auth/openapi.json", { method: "POST", headers: { origin: "https://gateway.test" } });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toContain("GET");
  });
});
