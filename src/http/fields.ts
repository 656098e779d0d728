/**
 * Validates a JSON body against the documented fields: each must be a string
 * (or one of an enum), required ones present, and no other key allowed, so a
 * smuggled `roles`, `id` or `email_verified` is refused rather than ignored.
 */
import { validationError, type FieldError } from "../errors";

export interface FieldSpec {
  required?: boolean;
  /** Upper bound on UTF-16 length, checked before any other work. */
  maxLength?: number;
  oneOf?: readonly string[];
}

export type FieldsOf<S extends Record<string, FieldSpec>> = {
  [K in keyof S]: S[K]["required"] extends true ? string : string | undefined;
};

export function validateFields<S extends Record<string, FieldSpec>>(
  body: Record<string, unknown>,
  spec: S,
): FieldsOf<S> {
  const errors: FieldError[] = [];
  const out: Record<string, string | undefined> = {};
  for (const key of Object.keys(body)) {
    if (!Object.hasOwn(spec, key)) errors.push({ field: key.slice(0, 64), message: "unknown field" });
  }
  for (const [name, rule] of Object.entries(spec)) {
    const v = Object.hasOwn(body, name) ? body[name] : undefined;
    if (v === undefined) {
      if (rule.required) errors.push({ field: name, message: "is required" });
      continue;
    }
    if (typeof v !== "string") {
      errors.push({ field: name, message: "must be a string" });
      continue;
    }
    if (rule.maxLength !== undefined && v.length > rule.maxLength) {
      errors.push({ field: name, message: `must be at most ${rule.maxLength} characters` });
      continue;
    }
    if (rule.oneOf && !rule.oneOf.includes(v)) {
      errors.push({ field: name, message: `must be one of ${rule.oneOf.join(", ")}` });
      continue;
    }
    out[name] = v;
  }
  if (errors.length > 0) throw validationError(errors);
  return out as FieldsOf<S>;
}
