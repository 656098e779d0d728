/** Small request builders shared by the integration tests. */
import type { TestGateway } from "./gateway";

export const ORIGIN = "https://gateway.test";
let ipCounter = 0;

/** A fresh client IP per call, so one test's rate limits never touch another's. */
export function nextIp(): string {
  ipCounter += 1;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export const GOOD_PASSWORD = "Correct-Horse-42";

export function postJson(
  gw: TestGateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return gw.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", origin: ORIGIN, "cf-connecting-ip": nextIp(), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function register(gw: TestGateway, email: string, password = GOOD_PASSWORD, extra: Record<string, unknown> = {}): Promise<Response> {
  return postJson(gw, "/auth/register", { email, password, ...extra });
}

export interface BearerSession {
  access: string;
  refresh: string;
  body: Record<string, unknown>;
}

export async function loginBearer(gw: TestGateway, email: string, password = GOOD_PASSWORD): Promise<BearerSession> {
  const res = await postJson(gw, "/auth/login", { email, password, transport: "bearer" });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const body = await res.json<Record<string, unknown>>();
  return { access: body.access_token as string, refresh: body.refresh_token as string, body };
}

/** Registers and logs in with the bearer transport. */
export async function newUser(gw: TestGateway, tag = "user"): Promise<BearerSession & { email: string }> {
  const email = uniqueEmail(tag);
  const res = await register(gw, email);
  if (res.status !== 202) throw new Error(`register failed: ${res.status} ${await res.text()}`);
  return { email, ...(await loginBearer(gw, email)) };
}

/** Parses Set-Cookie headers into name → { value, attributes }. */
export function cookiesOf(res: Response): Map<string, { value: string; attrs: string[] }> {
  const out = new Map<string, { value: string; attrs: string[] }>();
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const eq = (pair ?? "").indexOf("=");
    out.set((pair ?? "").slice(0, eq), { value: (pair ?? "").slice(eq + 1), attrs });
  }
  return out;
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
