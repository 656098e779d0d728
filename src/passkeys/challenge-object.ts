/**
 * The WebAuthn challenge Durable Object: one object per challenge
 * (`idFromName`), holding what the challenge was issued for until it is
 * taken. A Durable Object runs one call at a time and `take` reads and
 * deletes in that one call, so of two concurrent uses of one challenge
 * exactly one gets the record and the other gets nothing.
 */
import { DurableObject } from "cloudflare:workers";

export interface ChallengeRecord {
  purpose: "register" | "login";
  /** The user a registration challenge was issued to; null for login. */
  userId: string | null;
  /** Epoch ms (the caller's clock). */
  expiresAt: number;
}

interface Row extends Record<string, SqlStorageValue> {
  purpose: string;
  user_id: string | null;
  expires_at: number;
}

export class PasskeyChallengeObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS challenge (id INTEGER PRIMARY KEY CHECK (id = 1), purpose TEXT NOT NULL, user_id TEXT, expires_at INTEGER NOT NULL)`,
    );
  }

  /** Stores the record; false when this challenge was already issued (never overwritten). */
  async issue(record: ChallengeRecord): Promise<boolean> {
    const existing = this.sql.exec(`SELECT 1 FROM challenge WHERE id = 1`).toArray();
    if (existing.length > 0) return false;
    this.sql.exec(
      `INSERT INTO challenge (id, purpose, user_id, expires_at) VALUES (1, ?, ?, ?)`,
      record.purpose,
      record.userId,
      record.expiresAt,
    );
    // Housekeeping only: expiry is decided by the caller's clock in `take`.
    await this.ctx.storage.setAlarm(Date.now() + Math.max(0, record.expiresAt - Date.now()) + 60_000);
    return true;
  }

  /** Returns the record and deletes it, in one call; null when absent or expired at `now`. */
  take(now: number): ChallengeRecord | null {
    const row = this.sql.exec<Row>(`SELECT purpose, user_id, expires_at FROM challenge WHERE id = 1`).toArray()[0];
    if (!row) return null;
    this.sql.exec(`DELETE FROM challenge`);
    if (row.expires_at <= now) return null;
    return { purpose: row.purpose === "register" ? "register" : "login", userId: row.user_id, expiresAt: row.expires_at };
  }

  override async alarm(): Promise<void> {
    this.sql.exec(`DELETE FROM challenge`);
  }
}
