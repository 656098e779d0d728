/**
 * Drizzle schema of the tables the gateway owns or extends (migrations/ is the
 * source of truth for the database; this mirrors it for typed queries).
 */
import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

const tz = { withTimezone: true, mode: "date" } as const;

export const users = pgTable("users", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  email: text("email").notNull(),
  fullName: text("full_name"),
  passwordHash: text("password_hash"),
  emailVerified: boolean("email_verified").notNull().default(false),
  accountStatus: text("account_status", { enum: ["active", "disabled", "deleted"] }).notNull().default("active"),
  roles: text("roles").array().notNull(),
  lastLogin: timestamp("last_login", tz),
  failedLoginAttempts: integer("failed_login_attempts").notNull().default(0),
  lockedUntil: timestamp("locked_until", tz),
  /** TOTP on (migrations/0003_mfa.sql); read with the user at login. */
  totpEnabled: boolean("totp_enabled").notNull().default(false),
  createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", tz).notNull().defaultNow(),
});

export const TOKEN_TYPES = ["refresh", "password_reset", "email_verification"] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];

export const authTokens = pgTable(
  "auth_tokens",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tokenType: text("token_type", { enum: TOKEN_TYPES }).notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    userId: bigint("user_id", { mode: "number" })
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: uuid("session_id"),
    sessionStartedAt: timestamp("session_started_at", tz),
    parentId: bigint("parent_id", { mode: "number" }),
    expiresAt: timestamp("expires_at", tz).notNull(),
    isRevoked: boolean("is_revoked").notNull().default(false),
    revokedAt: timestamp("revoked_at", tz),
    usedAt: timestamp("used_at", tz),
    successorSealed: text("successor_sealed"),
    ipAddress: text("ip_address"),
    userAgent: text("user_agent"),
    /** RFC 8176 methods of the session (refresh rows); NULL means ["pwd"]. */
    amr: text("amr").array(),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  },
  (t) => [index("auth_tokens_user_type_idx").on(t.userId, t.tokenType)],
);

export const authEvents = pgTable("auth_events", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  eventType: text("event_type").notNull(),
  userId: bigint("user_id", { mode: "number" }),
  /** The admin who acted (migrations/0004_admin.sql); NULL for a user's own actions. */
  actorId: bigint("actor_id", { mode: "number" }),
  ipAddress: text("ip_address"),
  userAgent: text("user_agent"),
  detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
  createdAt: timestamp("created_at", tz).notNull().defaultNow(),
});

/** Pending email changes (migrations/0005_account_self_service.sql). */
export const emailChanges = pgTable("email_changes", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  userId: bigint("user_id", { mode: "number" })
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  tokenHash: text("token_hash").notNull().unique(),
  newEmail: text("new_email").notNull(),
  expiresAt: timestamp("expires_at", tz).notNull(),
  usedAt: timestamp("used_at", tz),
  revokedAt: timestamp("revoked_at", tz),
  createdAt: timestamp("created_at", tz).notNull().defaultNow(),
});

export type UserRow = typeof users.$inferSelect;
export type TokenRow = typeof authTokens.$inferSelect;
export type AuthEventRow = typeof authEvents.$inferSelect;
