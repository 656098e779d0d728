/** Admins for the admin API tests: a user granted roles by SQL, and tokens minted with an `amr`. */
import { SignJWT, decodeJwt } from "jose";
import { keyIdFor } from "../../src/auth/access-tokens";
import { newJti } from "../../src/auth/jti";
import { query } from "./database";
import { testGateway, type TestGateway } from "./gateway";
import { loginBearer, newUser, type BearerSession } from "./http";
import { mailbox, type Mailbox } from "./mailbox";

export interface TestAdmin extends BearerSession {
  email: string;
  id: string;
}

export async function setRoles(gw: TestGateway, email: string, roles: string[]): Promise<void> {
  await query(gw.databaseUrl, "UPDATE users SET roles = $1::text[] WHERE lower(email) = lower($2)", [roles, email]);
}

export async function userId(gw: TestGateway, email: string): Promise<string> {
  const rows = await query<{ id: string }>(gw.databaseUrl, "SELECT id::text AS id FROM users WHERE lower(email) = lower($1)", [email]);
  if (!rows[0]) throw new Error(`no user ${email}`);
  return rows[0].id;
}

/** A registered user holding `roles` (admin by default), logged in again so the token carries them. */
export async function newAdmin(gw: TestGateway, roles = ["user", "admin"], tag = "admin"): Promise<TestAdmin> {
  const u = await newUser(gw, tag);
  await setRoles(gw, u.email, roles);
  const s = await loginBearer(gw, u.email);
  return { ...s, email: u.email, id: await userId(gw, u.email) };
}

export interface AdminTestbed {
  gw: TestGateway;
  /** Every mail the gateway sent. */
  mail: Mailbox;
  admin: TestAdmin;
}

/**
 * The admin API tests' gateway (admin MFA not required, lockout after 3 failed logins, mail
 * recorded) and a first admin on it.
 *
 * @example
 * const { gw, mail, admin } = await adminTestbed();
 * await adminGet(gw, "/auth/admin/users", admin.access);
 */
export async function adminTestbed(): Promise<AdminTestbed> {
  const mail = mailbox();
  const gw = await testGateway({ ADMIN_REQUIRE_MFA: "false", LOCKOUT_THRESHOLD: "3" }, { mailer: mail });
  return { gw, mail, admin: await newAdmin(gw) };
}

/** A problem+json answer's body (`errors` on validation_failed). */
export interface Problem {
  code: string;
  errors?: Array<{ field: string }>;
}

/** The stable `code` of a problem+json answer. */
export async function problemCode(res: Response): Promise<string> {
  return (await res.json<Problem>()).code;
}

/** Re-signs `token`'s claims with `changes` (e.g. an `amr`), as the gateway would sign them. */
export async function mintLike(gw: TestGateway, token: string, changes: Record<string, unknown>): Promise<string> {
  const claims = { ...decodeJwt(token), ...changes };
  const secret = gw.env.JWT_SECRET;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: await keyIdFor(secret) })
    .setJti(newJti(Date.now()))
    .sign(new TextEncoder().encode(secret));
}

export function adminGet(gw: TestGateway, path: string, token: string): Promise<Response> {
  return gw.fetch(path, { headers: { authorization: `Bearer ${token}` } });
}

export function adminSend(gw: TestGateway, method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return gw.fetch(path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}
