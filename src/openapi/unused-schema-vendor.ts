/**
 * Stands in for the schema libraries hono-openapi can convert but this gateway
 * does not use (zod, which the Workers test tooling installs, would otherwise be
 * bundled through hono-openapi's optional dynamic imports: +740 KB). Aliased in
 * wrangler.toml; only valibot schemas are ever converted.
 */
export function toJSONSchema(): never {
  throw new Error("only valibot schemas are converted");
}
export const zodToJsonSchema = toJSONSchema;
export default {};
