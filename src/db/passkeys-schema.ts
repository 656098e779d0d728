/** Drizzle mirror of migrations/0006_passkeys.sql (the SQL is the source of truth). */
import { bigint, boolean, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { users } from "./schema";

const tz = { withTimezone: true, mode: "date" } as const;

export const passkeys = pgTable("passkeys", {
  id: uuid("id").primaryKey().defaultRandom(),
  userId: bigint("user_id", { mode: "number" })
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  credentialId: text("credential_id").notNull().unique(),
  publicKey: text("public_key").notNull(),
  counter: bigint("counter", { mode: "number" }).notNull().default(0),
  transports: text("transports").array().notNull(),
  name: text("name").notNull(),
  aaguid: text("aaguid"),
  backedUp: boolean("backed_up").notNull().default(false),
  createdAt: timestamp("created_at", tz).notNull().defaultNow(),
  lastUsedAt: timestamp("last_used_at", tz),
});

export type PasskeyRow = typeof passkeys.$inferSelect;
