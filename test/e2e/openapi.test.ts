// The OpenAPI document served by the real `npm run dev` stack: valid OpenAPI
// 3.1 by an independent validator, and real answers (success and problem
// details, both transports) match the JSON schemas it documents for them.
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { call, ipAllocator, registerAndLogin, strongPassword, uniqueEmail, type Answer } from "./helpers/client";
import { startStack, type Stack } from "./helpers/stack";

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const ip = ipAllocator();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
let stack: Stack;
let doc: Document;

/** Fails unless `answer` matches the schema `doc` gives for `method path` at its status. */
function expectDocumented(method: string, path: string, answer: Answer): void {
  const op = doc.paths[path]?.[method.toLowerCase()];
  expect(op, `${method} ${path} is documented`).toBeDefined();
  const response = op?.responses[String(answer.status)];
  expect(response, `${method} ${path} documents ${answer.status}`).toBeDefined();
  const type = (answer.headers.get("content-type") ?? "").split(";")[0] ?? "";
  const media = response?.content;
  if (!media) {
    expect(answer.text, `${method} ${path} ${answer.status} has no body`).toBe("");
    return;
  }
  const schema = media[type]?.schema;
  expect(schema, `${method} ${path} ${answer.status} documents ${type}`).toBeDefined();
  const validate = ajv.compile(schema as Schema);
  expect(validate(answer.body), `${method} ${path} ${answer.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

beforeAll(async () => {
  stack = await startStack({ adminDatabaseUrl: inject("e2eAdminDatabaseUrl"), name: "openapi" });
  const res = await call<Document>(stack.gatewayUrl, "GET", "/auth/openapi.json");
  expect(res.status).toBe(200);
  doc = res.body;
});

afterAll(async () => {
  await stack?.stop();
});

describe("GET /auth/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("matches what the endpoints answer, in both transports and on failure", async () => {
    const base = stack.gatewayUrl;
    const email = uniqueEmail("openapi");
    const password = strongPassword();
    const headers = { "cf-connecting-ip": ip(1) };
    expectDocumented("POST", "/auth/register", await call(base, "POST", "/auth/register", { json: { email, password }, headers }));
    expectDocumented("POST", "/auth/register", await call(base, "POST", "/auth/register", { json: { email, roles: ["admin"] }, headers }));
    const session = await registerAndLogin(base, uniqueEmail("openapi2"), password, ip(2));
    const auth = { ...headers, authorization: `Bearer ${session.access_token}` };
    expectDocumented("GET", "/auth/me", await call(base, "GET", "/auth/me", { headers: auth }));
    expectDocumented("GET", "/auth/me", await call(base, "GET", "/auth/me", { headers }));
    expectDocumented("GET", "/auth/sessions", await call(base, "GET", "/auth/sessions", { headers: auth }));
    expectDocumented("GET", "/auth/health", await call(base, "GET", "/auth/health"));
    const login = await call(base, "POST", "/auth/login", { json: { email, password, transport: "bearer" }, headers });
    expectDocumented("POST", "/auth/login", login);
    expectDocumented(
      "POST",
      "/auth/login",
      await call(base, "POST", "/auth/login", { json: { email, password: "Wrong-password-1" }, headers: { ...headers, origin: base } }),
    );
    expectDocumented(
      "POST",
      "/auth/login",
      await call(base, "POST", "/auth/login", { json: { email, password }, headers: { ...headers, origin: base } }),
    );
    expectDocumented(
      "POST",
      "/auth/refresh",
      await call(base, "POST", "/auth/refresh", { json: { refresh_token: login.body.refresh_token }, headers }),
    );
    expectDocumented("POST", "/auth/refresh", await call(base, "POST", "/auth/refresh", { json: { refresh_token: "x" }, headers }));
    expectDocumented("DELETE", "/auth/sessions/{id}", await call(base, "DELETE", "/auth/sessions/nope", { headers: auth }));
    expectDocumented("POST", "/auth/password/forgot", await call(base, "POST", "/auth/password/forgot", { json: { email }, headers }));
    expectDocumented("POST", "/auth/logout", await call(base, "POST", "/auth/logout", { headers: auth }));
  });
});
