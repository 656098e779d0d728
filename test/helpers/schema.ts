/**
 * The gateway's schema as the migrations leave it: shared by the workerd
 * foundation test (the test database) and the e2e migration test (a database
 * migrated through `npm run db:migrate`), so both hold the same list.
 */

/** Every table of the `public` schema, in name order (gateway_migrations is the runner's record). */
export const GATEWAY_TABLES = [
  "auth_events",
  "auth_tokens",
  "email_changes",
  "event_outbox",
  "gateway_migrations",
  "mfa_challenges",
  "passkeys",
  "user_recovery_codes",
  "user_totp",
  "users",
];
