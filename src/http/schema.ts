/**
 * Request bodies are validated by valibot schemas, the same objects the
 * OpenAPI document is generated from (src/openapi), so the two cannot drift.
 *
 * Bodies are first read by `readJsonObject` (size limit, strict JSON:
 * duplicate keys refused); a schema then decides the shape. Schemas are
 * strict objects: an unknown or privileged key (`roles`, `id`) is refused,
 * never ignored. Issues become the `errors` list of a 422 `validation_failed`
 * with the same messages as before the move to schemas.
 */
import * as v from "valibot";
import { validationError, type FieldError } from "../errors";

/** Any valibot object schema a body can be checked against. */
export type BodySchema = v.GenericSchema<Record<string, unknown>, Record<string, unknown>>;

/** A string field with an upper bound on its UTF-16 length, checked before any other work. */
export const text = (maxLength: number) =>
  v.pipe(v.string("must be a string"), v.maxLength(maxLength, `must be at most ${maxLength} characters`));

/** A person's display name (`full_name`) is at most this many code points. */
export const MAX_NAME_CODE_POINTS = 200;
const nameMessage = `must be at most ${MAX_NAME_CODE_POINTS} characters`;

/**
 * A display name: at most 200 code points, the unit JSON Schema's `maxLength`
 * counts, so the document states exactly what is enforced (an emoji is one);
 * twice as many UTF-16 units bound the raw string before it is counted.
 */
export const nameText = (typeMessage = "must be a string") =>
  v.pipe(
    v.string(typeMessage),
    v.maxLength(2 * MAX_NAME_CODE_POINTS, nameMessage),
    v.check((s) => [...s].length <= MAX_NAME_CODE_POINTS, nameMessage),
    v.metadata({ maxLength: MAX_NAME_CODE_POINTS }),
  );

/** One of a fixed set of strings. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  v.picklist(values, `must be one of ${values.join(", ")}`);

/** `roles`, `roles[3]`; `body` for a rule about the whole object. */
function fieldName(issue: v.BaseIssue<unknown>): string {
  let name = "";
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === "number") name += `[${key}]`;
    else if (typeof key === "string") name += name === "" ? key.slice(0, 64) : `.${key.slice(0, 64)}`;
  }
  return name === "" ? "body" : name;
}

function issueToFieldError(issue: v.BaseIssue<unknown>): FieldError {
  const field = fieldName(issue);
  if (issue.type === "strict_object") {
    return { field, message: issue.received === "undefined" ? "is required" : "unknown field" };
  }
  // Field schemas carry their own messages (see `text`, `oneOf`).
  return { field, message: issue.message };
}

/** Unknown fields first (they decide that nothing else is read), then the schema's own order. */
function rank(error: FieldError): number {
  return error.message === "unknown field" ? 0 : 1;
}

/**
 * Checks a parsed JSON object against `schema`; throws 422 listing every problem.
 *
 * @example
 * const LoginBody = v.strictObject({ email: text(320), password: text(1024) });
 * const { email, password } = parseBody(await readJsonObject(c.req.raw), LoginBody);
 */
export function parseBody<S extends BodySchema>(body: Record<string, unknown>, schema: S): v.InferOutput<S> {
  const result = v.safeParse(schema, body, { abortEarly: false });
  if (result.success) return result.output;
  const errors = result.issues.map(issueToFieldError).sort((a, b) => rank(a) - rank(b));
  throw validationError(errors);
}
