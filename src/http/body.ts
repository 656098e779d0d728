/**
 * Reads a request body as JSON under a byte limit: refused with 413 from
 * `content-length` before reading, or while streaming a chunked body, so an
 * oversized body never reaches a parser, a hash or the database.
 */
import { GatewayError, validationError } from "../errors";
import { parseStrictJson } from "./json";

export const MAX_AUTH_BODY_BYTES = 16 * 1024;

function tooLarge(): GatewayError {
  return new GatewayError("payload_too_large", `Request bodies are limited to ${MAX_AUTH_BODY_BYTES} bytes`);
}

/** Reads at most `limit` bytes of the body; throws 413 past it. Empty body → "". */
export async function readLimitedText(request: Request, limit = MAX_AUTH_BODY_BYTES): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > limit)) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw validationError([{ field: "body", message: "body is not valid UTF-8" }]);
  }
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads a JSON object body. A missing body reads as `{}` when `optional`;
 * anything but a JSON object (or a non-JSON content type) is 422.
 */
export async function readJsonObject(
  request: Request,
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown>> {
  const text = await readLimitedText(request);
  if (text.trim() === "") {
    if (options.optional) return {};
    throw validationError([{ field: "body", message: "a JSON object body is required" }]);
  }
  // A missing content type is read as JSON (curl -d without -H); an explicit
  // other type (a form, text/plain) is refused, as FastAPI does.
  const type = request.headers.get("content-type");
  if (type !== null && !JSON_TYPE.test(type)) {
    throw validationError([{ field: "body", message: "content-type must be application/json" }]);
  }
  const parsed = parseStrictJson(text);
  if (!parsed.ok) throw validationError([{ field: "body", message: parsed.reason }]);
  const v = parsed.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw validationError([{ field: "body", message: "body must be a JSON object" }]);
  }
  return v as Record<string, unknown>;
}
