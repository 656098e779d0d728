/**
 * Strict JSON: JSON.parse for syntax, then a scan that refuses duplicate keys
 * (which JSON.parse silently resolves to the last one) and deep nesting.
 */
const MAX_DEPTH = 16;

export type JsonCheck = { ok: true; value: unknown } | { ok: false; reason: string };

export function parseStrictJson(text: string): JsonCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "body is not valid JSON" };
  }
  const problem = scanKeys(text);
  return problem ? { ok: false, reason: problem } : { ok: true, value };
}

/** Walks the (already valid) JSON text tracking each object's keys. */
function scanKeys(text: string): string | undefined {
  const stack: Array<Set<string> | null> = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "{" || ch === "[") {
      stack.push(ch === "{" ? new Set() : null);
      if (stack.length > MAX_DEPTH) return "body is nested too deeply";
      expectKey = ch === "{";
    } else if (ch === "}" || ch === "]") {
      stack.pop();
      expectKey = false;
    } else if (ch === ",") {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      if (expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        const keys = stack[stack.length - 1] as Set<string>;
        if (keys.has(key)) return "body has a duplicate key";
        keys.add(key);
        expectKey = false;
      }
      i = j;
    }
  }
  return undefined;
}
