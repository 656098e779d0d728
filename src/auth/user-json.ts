/** The public shape of a user (API.md `User`): never a hash, a token or a counter. */
import type { UserRow } from "../db/schema";

export interface UserJson {
  id: string;
  email: string;
  full_name: string | null;
  email_verified: boolean;
  account_status: string;
  roles: string[];
  created_at: string;
  last_login: string | null;
}

export function userJson(u: UserRow): UserJson {
  return {
    id: String(u.id),
    email: u.email,
    full_name: u.fullName,
    email_verified: u.emailVerified,
    account_status: u.accountStatus,
    roles: u.roles,
    created_at: u.createdAt.toISOString(),
    last_login: u.lastLogin ? u.lastLogin.toISOString() : null,
  };
}
