/**
 * JSON-line logging. Fields whose names suggest a secret are dropped, and
 * values are never error messages or SQL: callers pass codes and ids.
 */
const SECRET_FIELD = /pass|token|secret|authorization|cookie|hash|pepper|jwt|sql/i;

export type LogLevel = "info" | "warn" | "error";

export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const line: Record<string, unknown> = { level, event, time: new Date().toISOString() };
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || SECRET_FIELD.test(k)) continue;
    line[k] = v;
  }
  const text = JSON.stringify(line);
  if (level === "error") console.error(text);
  else if (level === "warn") console.warn(text);
  else console.log(text);
}

/** A safe description of an unknown error for logs: its class name, never its message. */
export function errorKind(err: unknown): string {
  if (err instanceof Error) return err.name || "Error";
  return typeof err;
}
