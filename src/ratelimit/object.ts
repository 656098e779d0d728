/**
 * The rate-limit Durable Object: one object per key (`idFromName`), SQLite
 * storage, exact counts. A Durable Object runs one call at a time, so
 * count-then-insert cannot over-admit under any concurrency.
 *
 * Two tables: `hits` for sliding-window limits, `lockout` for the
 * consecutive-failure lock of one email. An alarm prunes expired rows.
 */
import { DurableObject } from "cloudflare:workers";

const MIN_ALARM_DELAY_MS = 60_000;

export interface LimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Epoch ms when the oldest counted hit leaves the window. */
  resetAt: number;
}

export interface LockoutState {
  locked: boolean;
  failures: number;
  /** Epoch ms; 0 when not locked. */
  lockedUntil: number;
}

export class RateLimiterObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL, expires INTEGER NOT NULL)`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS hits_at ON hits (at)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), now INTEGER NOT NULL)`);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS lockout (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, locked_until INTEGER NOT NULL)`,
    );
  }

  /** Counts one hit if fewer than `limit` fall in the window ending at `now`. */
  consume(limit: number, windowMs: number, now: number): LimitDecision {
    this.observe(now);
    this.sql.exec(`DELETE FROM hits WHERE at <= ?`, now - windowMs);
    const row = this.sql.exec<{ n: number; oldest: number | null }>(`SELECT COUNT(*) AS n, MIN(at) AS oldest FROM hits`).one();
    const oldest = row.oldest ?? now;
    if (row.n >= limit) {
      return { allowed: false, limit, remaining: 0, resetAt: oldest + windowMs };
    }
    this.sql.exec(`INSERT INTO hits (at, expires) VALUES (?, ?)`, now, now + windowMs);
    this.scheduleCleanup(now + windowMs);
    return { allowed: true, limit, remaining: limit - row.n - 1, resetAt: oldest + windowMs };
  }

  /** The lockout state at `now`, without changing it. */
  lockState(now: number): LockoutState {
    const row = this.sql
      .exec<{ failures: number; locked_until: number }>(`SELECT failures, locked_until FROM lockout WHERE id = 1`)
      .toArray()[0];
    if (!row) return { locked: false, failures: 0, lockedUntil: 0 };
    const locked = row.locked_until > now;
    return { locked, failures: row.failures, lockedUntil: locked ? row.locked_until : 0 };
  }

  /** Records one failed attempt; the `threshold`-th in a row locks for `lockMs`. */
  recordFailure(threshold: number, lockMs: number, now: number): LockoutState {
    this.observe(now);
    const current = this.lockState(now);
    // A lock that has run out starts a fresh count.
    const base = current.locked || current.failures < threshold ? current.failures : 0;
    const failures = base + 1;
    const lockedUntil = failures >= threshold ? Math.max(current.lockedUntil, now + lockMs) : current.lockedUntil;
    this.sql.exec(
      `INSERT INTO lockout (id, failures, locked_until) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until`,
      failures,
      lockedUntil,
    );
    this.scheduleCleanup(Math.max(lockedUntil, now) + lockMs);
    return { locked: lockedUntil > now, failures, lockedUntil: lockedUntil > now ? lockedUntil : 0 };
  }

  /** Clears the failure count and any lock (a success, or a password reset). */
  resetLockout(): void {
    this.sql.exec(`DELETE FROM lockout`);
  }

  /** Forgets every counter of this key. */
  clear(): void {
    this.sql.exec(`DELETE FROM hits`);
    this.sql.exec(`DELETE FROM lockout`);
  }

  /**
   * Prunes what has expired by the callers' clock (the newest `now` seen),
   * never by this machine's: callers own time, so tests can move it.
   */
  override async alarm(): Promise<void> {
    const now = this.sql.exec<{ now: number }>(`SELECT now FROM clock WHERE id = 1`).toArray()[0]?.now ?? 0;
    this.sql.exec(`DELETE FROM hits WHERE expires <= ?`, now);
    const next = this.sql.exec<{ e: number | null }>(`SELECT MIN(expires) AS e FROM hits`).one().e;
    const lock = this.lockState(now);
    if (!lock.locked && lock.failures === 0) this.sql.exec(`DELETE FROM lockout`);
    if (next !== null) this.scheduleCleanup(next);
  }

  private observe(now: number): void {
    this.sql.exec(
      `INSERT INTO clock (id, now) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET now = MAX(now, excluded.now)`,
      now,
    );
  }

  /** Never sooner than a minute from now: pruning idle keys is housekeeping, not correctness. */
  private scheduleCleanup(at: number): void {
    const when = Math.max(at, Date.now() + MIN_ALARM_DELAY_MS);
    void this.ctx.storage.getAlarm().then((current) => {
      if (current === null || current > when) return this.ctx.storage.setAlarm(when);
      return undefined;
    });
  }
}
