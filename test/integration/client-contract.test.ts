// The browser client is typed from the OpenAPI document the gateway serves:
// client/src/contract.gen.ts must be exactly what the document generates for
// the operations the client calls (test/helpers/openapi-to-ts.ts). When an
// endpoint's schema changes, this fails until the file is regenerated with
//   npx vitest run -u --project workers test/integration/client-contract.test.ts
// and the client then compiles (npm run typecheck) against the new contract.
import { describe, expect, it } from "vitest";
import { testGateway } from "../helpers/gateway";
import { contractSource, toType, type OpenApiDocument } from "../helpers/openapi-to-ts";

/** Every gateway operation client/src/client.ts calls (its `Op` keys). */
const CLIENT_OPERATIONS = [
  "POST /auth/register",
  "POST /auth/login",
  "POST /auth/login/mfa",
  "POST /auth/refresh",
  "POST /auth/logout",
  "POST /auth/logout-all",
  "GET /auth/me",
  "GET /auth/sessions",
  "POST /auth/passkeys/register/options",
  "POST /auth/passkeys/register",
  "GET /auth/passkeys",
  "DELETE /auth/passkeys/{id}",
  "POST /auth/passkeys/login/options",
  "POST /auth/passkeys/login",
] as const;

const HEADER = `The gateway's contract for the browser client, GENERATED from GET /auth/openapi.json
(itself generated from the valibot schemas the endpoints validate with) by
test/integration/client-contract.test.ts: do not edit. Regenerate after a schema change with
  npx vitest run -u --project workers test/integration/client-contract.test.ts`;

describe("the browser client's contract", () => {
  it("client/src/contract.gen.ts is what the served OpenAPI document generates", async () => {
    const gw = await testGateway();
    const res = await gw.fetch("/auth/openapi.json");
    expect(res.status).toBe(200);
    const source = contractSource(await res.json<OpenApiDocument>(), { operations: CLIENT_OPERATIONS, header: HEADER });
    await expect(source).toMatchFileSnapshot("../../client/src/contract.gen.ts");
  });

  it("turns the JSON Schema the document uses into TypeScript, and refuses what it does not know", () => {
    const schema = {
      type: "object",
      properties: {
        id: { type: "string" },
        "x-y": { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] },
        kind: { enum: ["a", "b"], type: "string" },
        n: { type: "integer" },
        tags: { type: "array", items: { type: "string" } },
        open: { type: "object", properties: { k: { const: true } }, required: ["k"] },
        any: { description: "opaque" },
      },
      required: ["id", "x-y", "kind"],
      additionalProperties: false,
    };
    expect(toType(schema)).toBe(
      [
        "{",
        "  id: string;",
        '  "x-y": string | null;',
        '  kind: "a" | "b";',
        "  n?: number;",
        "  tags?: Array<string>;",
        "  open?: {",
        "    k: true;",
        "    [key: string]: unknown;",
        "  };",
        "  any?: unknown;",
        "}",
      ].join("\n"),
    );
    expect(() => toType({ $ref: "#/components/schemas/User" })).toThrow(/\$ref/);
    expect(() => toType({ type: "object", additionalProperties: 3 })).toThrow(/additionalProperties/);
    expect(() => contractSource({ paths: {} }, { operations: ["GET /auth/me"], header: "" })).toThrow(/GET \/auth\/me is not in the document/);
    expect(() => contractSource({ paths: {} }, { operations: [], header: "" })).toThrow(/problem details/);
  });
});
