/**
 * The pieces parseConfig is built from: a Reader that collects every problem
 * instead of stopping at the first, policy parsing, and secret checks.
 */
import type { RatePolicy } from "./config";

/** Thrown when configuration is missing or bad; `problems` names each one. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid gateway configuration: ${problems.join("; ")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** The raw variables: everything optional and a string, as the runtime gives them. */
export type RawEnv = Partial<Record<string, unknown>>;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const POLICY_RE = /^(\d{1,6})\s*\/\s*(\d{0,6})\s*([smhd])$/;
const WEAK_SECRET_WORDS = /^(secret|changeme|change-me|password|test|dev|example)/i;

export class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: RawEnv) {}

  str(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") {
      this.problems.push(`${name} must be a string`);
      return undefined;
    }
    const t = v.trim();
    return t === "" ? undefined : t;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined) this.problems.push(`${name} is required`);
    return v ?? "";
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return Number(v);
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.str(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (["true", "1", "yes", "on"].includes(v)) return true;
    if (["false", "0", "no", "off"].includes(v)) return false;
    this.problems.push(`${name} must be true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push(`${name} must be one of ${allowed.join(", ")}`);
      return fallback;
    }
    return v as T;
  }

  list(name: string): string[] {
    return (this.str(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }

  url(name: string, value: string | undefined): URL | undefined {
    if (value === undefined) return undefined;
    try {
      const u = new URL(value);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new Error("scheme");
      return u;
    } catch {
      this.problems.push(`${name} must be an absolute http(s) URL`);
      return undefined;
    }
  }

  policy(name: string, fallback: string): RatePolicy {
    const raw = this.str(name) ?? fallback;
    const parsed = parsePolicy(raw);
    if (!parsed) {
      this.problems.push(`${name} must look like 5/15m (count / window in s, m, h or d)`);
      return parsePolicy(fallback) as RatePolicy;
    }
    return parsed;
  }
}

/** Parses `N/15m`, `N/1h`, `N/h` into a policy; undefined when malformed. */
export function parsePolicy(raw: string): RatePolicy | undefined {
  const m = POLICY_RE.exec(raw.trim());
  if (!m) return undefined;
  const limit = Number(m[1]);
  const count = m[2] === "" ? 1 : Number(m[2]);
  const windowSeconds = count * (UNIT_SECONDS[m[3] as string] as number);
  if (limit < 1 || windowSeconds < 1) return undefined;
  return { limit, windowSeconds };
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

export function checkSecret(r: Reader, name: string, value: string, production: boolean): void {
  if (value === "") return; // "is required" already reported
  if (byteLength(value) < 32) {
    r.problems.push(`${name} must be at least 32 bytes (generate 64 hex characters)`);
    return;
  }
  if (production && (new Set(value).size < 10 || WEAK_SECRET_WORDS.test(value))) {
    r.problems.push(`${name} is too weak for production (use 64 random hex characters)`);
  }
}

