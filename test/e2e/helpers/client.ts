// Small clients of the gateway's JSON API for the end-to-end tests.
import { randomBytes } from "node:crypto";

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A fresh, unique email (lockouts and rate limits are keyed by email/IP and live as long as the stack's state folder). */
export function uniqueEmail(label: string): string {
  return `${label}.${Date.now().toString(36)}.${randomBytes(4).toString("hex")}@example.com`;
}

/** A fresh client IP (CF-Connecting-IP, honoured in development), from a per-run random /16 of 10.0.0.0/8. */
export function ipAllocator(): (n: number) => string {
  const a = 1 + (randomBytes(1)[0] as number) % 250;
  const b = randomBytes(1)[0] as number;
  return (n: number) => `10.${a}.${b}.${1 + (n % 250)}`;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  { json, headers = {}, body }: { json?: unknown; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer<T>> {
  const h: Record<string, string> = { ...headers };
  let payload: string | undefined = body;
  if (json !== undefined) {
    h["content-type"] = "application/json";
    payload = JSON.stringify(json);
  }
  const res = await fetch(`${base}${path}`, { method, headers: h, body: payload, redirect: "manual" });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

export interface BearerSession {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  refresh_expires_in: number;
  user: { id: string; email: string; [k: string]: unknown };
}

/** Registers (202) and logs in with the bearer transport (200); throws with the answers otherwise. */
export async function registerAndLogin(
  base: string,
  email: string,
  password: string,
  ip: string,
): Promise<BearerSession> {
  const reg = await call(base, "POST", "/auth/register", { json: { email, password }, headers: { "cf-connecting-ip": ip } });
  if (reg.status !== 202) throw new Error(`register answered ${reg.status}: ${reg.text}`);
  const login = await call<BearerSession>(base, "POST", "/auth/login", {
    json: { email, password, transport: "bearer" },
    headers: { "cf-connecting-ip": ip },
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${login.text}`);
  return login.body;
}

/** A password that passes the policy (long, mixed, not common). */
export function strongPassword(): string {
  return `Tdah-${randomBytes(6).toString("hex")}-Pw9!`;
}
