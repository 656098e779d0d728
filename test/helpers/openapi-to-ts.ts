/**
 * TypeScript types from the gateway's OpenAPI document, for the browser
 * client (client/src/contract.gen.ts). Covers the subset of JSON Schema that
 * the document uses (object, array, string/number/integer/boolean/null,
 * enum, const, anyOf/oneOf/allOf, type lists); anything else throws, so a
 * new construct in the document fails the contract test instead of turning
 * into a silent `unknown`.
 *
 * Problem details: every problem schema must share one shape; it is emitted
 * once as `Problem<C>`, and each operation lists its codes per status (plus
 * any member a status adds, such as `mfa_token` on 401 `mfa_required`).
 */

export type JsonSchema = { [key: string]: unknown };

interface Operation {
  requestBody?: { content?: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

const IDENTIFIER_RE = /^[A-Za-z_$][\w$]*$/;
const DESCRIPTIVE = new Set(["description", "title", "format", "maxLength", "minLength", "minimum", "maximum", "pattern", "examples", "default", "minItems", "maxItems", "uniqueItems"]);

const propertyName = (name: string) => (IDENTIFIER_RE.test(name) ? name : JSON.stringify(name));
const pad = (depth: number) => "  ".repeat(depth);

function union(parts: string[]): string {
  const unique = [...new Set(parts)];
  return unique.length === 1 ? (unique[0] as string) : unique.join(" | ");
}

function objectType(schema: JsonSchema, depth: number, omit: ReadonlySet<string> = new Set()): string {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const lines: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    if (omit.has(name)) continue;
    lines.push(`${pad(depth + 1)}${propertyName(name)}${required.has(name) ? "" : "?"}: ${toType(property, depth + 1)};`);
  }
  const extra = schema.additionalProperties;
  if (extra === undefined || extra === true) lines.push(`${pad(depth + 1)}[key: string]: unknown;`);
  else if (typeof extra === "object" && extra !== null) lines.push(`${pad(depth + 1)}[key: string]: ${toType(extra as JsonSchema, depth + 1)};`);
  else if (extra !== false) throw new Error(`additionalProperties ${JSON.stringify(extra)} is not supported`);
  return lines.length === 0 ? "Record<string, never>" : `{\n${lines.join("\n")}\n${pad(depth)}}`;
}

function typeKeyword(name: unknown, schema: JsonSchema, depth: number): string {
  switch (name) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return `Array<${schema.items === undefined ? "unknown" : toType(schema.items as JsonSchema, depth)}>`;
    case "object":
      return objectType(schema, depth);
    default:
      throw new Error(`type ${JSON.stringify(name)} is not supported`);
  }
}

/** The TypeScript type of one JSON Schema, indented for `depth`. */
export function toType(schema: JsonSchema, depth = 0): string {
  const known = new Set([...DESCRIPTIVE, "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "oneOf", "allOf"]);
  const unknownKeys = Object.keys(schema).filter((k) => !known.has(k));
  if (unknownKeys.length > 0) throw new Error(`schema keywords not supported: ${unknownKeys.join(", ")}`);
  if (Array.isArray(schema.enum)) return union(schema.enum.map((v) => JSON.stringify(v)));
  if ("const" in schema) return JSON.stringify(schema.const);
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return union(alternatives.map((s) => toType(s, depth)));
  if (Array.isArray(schema.allOf)) return (schema.allOf as JsonSchema[]).map((s) => `(${toType(s, depth)})`).join(" & ");
  if (Array.isArray(schema.type)) return union(schema.type.map((t) => typeKeyword(t, schema, depth)));
  if (schema.type !== undefined) return typeKeyword(schema.type, schema, depth);
  return "unknown";
}

const PROBLEM_MEDIA = "application/problem+json";

/**
 * The members every problem schema has besides `code`, as one JSON Schema (all
 * must agree), and the codes the `selected` operations answer with.
 */
function commonProblem(doc: OpenApiDocument, selected: ReadonlySet<Operation>): { schema: JsonSchema; members: Set<string>; codes: Set<string> } {
  let common: JsonSchema | undefined;
  const codes = new Set<string>();
  for (const ops of Object.values(doc.paths)) {
    for (const op of Object.values(ops)) {
      for (const response of Object.values(op.responses)) {
        const schema = response.content?.[PROBLEM_MEDIA]?.schema;
        if (!schema) continue;
        const properties = schema.properties as Record<string, JsonSchema>;
        if (selected.has(op)) for (const code of (properties.code?.enum ?? []) as string[]) codes.add(code);
        const base = { ...schema, properties: { ...properties } } as JsonSchema & { properties: Record<string, JsonSchema> };
        delete base.properties.code;
        for (const name of Object.keys(base.properties)) if (!["type", "title", "status", "detail", "errors", "request_id"].includes(name)) delete base.properties[name];
        base.required = ((schema.required ?? []) as string[]).filter((n) => n in base.properties);
        if (!common) common = base;
        else if (JSON.stringify(common) !== JSON.stringify(base)) throw new Error("problem schemas differ beyond code and added members");
      }
    }
  }
  if (!common) throw new Error("the document has no problem details");
  return { schema: common, members: new Set([...Object.keys(common.properties as object), "code"]), codes };
}

export interface ContractOptions {
  /** `METHOD /path` of each operation to emit (the ones the client calls). */
  operations: readonly string[];
  /** Where the document came from and how to regenerate, for the header comment. */
  header: string;
}

function operationType(op: Operation, problemMembers: ReadonlySet<string>): string {
  const body = op.requestBody?.content?.["application/json"]?.schema;
  const answers: string[] = [];
  const problems: string[] = [];
  for (const [status, response] of Object.entries(op.responses)) {
    const json = response.content?.["application/json"]?.schema;
    const problem = response.content?.[PROBLEM_MEDIA]?.schema;
    if (problem) {
      const codes = toType((problem.properties as Record<string, JsonSchema>).code as JsonSchema);
      const added = objectType({ ...problem, additionalProperties: false }, 3, problemMembers);
      problems.push(`      ${status}: Problem<${codes}>${added === "Record<string, never>" ? "" : ` & ${added}`};`);
    } else if (json) answers.push(`      ${status}: ${toType(json, 3)};`);
    else if (Number(status) < 300) answers.push(`      ${status}: ${response.content ? "string" : "undefined"};`);
  }
  return [
    `{`,
    `    body: ${body ? toType(body, 2) : "never"};`,
    `    answers: {\n${answers.join("\n")}\n    };`,
    `    problems: {\n${problems.join("\n")}\n    };`,
    `  }`,
  ].join("\n");
}

/**
 * The source of client/src/contract.gen.ts for `doc`.
 *
 * @example
 * const source = contractSource(await (await fetch("/auth/openapi.json")).json(), { operations: ["GET /auth/me"], header: "..." });
 */
export function contractSource(doc: OpenApiDocument, options: ContractOptions): string {
  const selected = new Map<string, Operation>();
  for (const key of options.operations) {
    const [method = "", path = ""] = key.split(" ");
    const op = doc.paths[path]?.[method.toLowerCase()];
    if (!op) throw new Error(`${key} is not in the document`);
    selected.set(key, op);
  }
  const problem = commonProblem(doc, new Set(selected.values()));
  const operations = [...selected].map(([key, op]) => `  ${JSON.stringify(key)}: ${operationType(op, problem.members)};`);
  const problemBody = objectType(problem.schema, 0).replace(/^\{\n/, `{\n  code: C;\n`);
  return [
    `/**`,
    ...options.header.split("\n").map((line) => ` * ${line}`.trimEnd()),
    ` */`,
    ``,
    `/** Every \`code\` a problem answer of these operations may carry. */`,
    `export type ErrorCode =\n${[...problem.codes].sort().map((c) => `  | ${JSON.stringify(c)}`).join("\n")};`,
    ``,
    `/** RFC 9457 problem details, narrowed to the codes \`C\`. */`,
    `export type Problem<C extends ErrorCode = ErrorCode> = ${problemBody};`,
    ``,
    `/** Request body, answers (by status) and problems (by status) of each operation the client calls. */`,
    `export interface Operations {`,
    ...operations,
    `}`,
    ``,
  ].join("\n");
}
