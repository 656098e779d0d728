/**
 * The rate-limit Durable Object: one object per key (`idFromName`), SQLite
 * storage, exact counts. A Durable Object runs one call at a time, and every
 * decision below is made synchronously inside one call, so check-then-act
 * cannot over-admit under any concurrency.
 *
 * Tables: `hits` for sliding-window limits; `lockout` for the consecutive
 * failures of one email; `attempts` for password checks in flight (reserved
 * before the hash, settled after). The schema is created on first write, and
 * the object deletes all of its storage (tables and alarm) once its key holds
 * nothing, so a key an attacker types once leaves nothing stored behind.
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

/** How the lock of one email behaves (all times in ms). */
export interface LockoutPolicy {
  /** Failures (counted plus in flight) that lock. */
  threshold: number;
  /** How long a lock lasts. */
  lockMs: number;
  /** How long an unsettled reservation holds its place (a crashed request). */
  holdMs: number;
  /** A failure count below the threshold is forgotten this long after its last failure. */
  memoryMs: number;
}

/** The answer to a reservation: a place (`id`) to run one password check, or a refusal until `retryAt`. */
export interface Reservation {
  granted: boolean;
  /** The place to settle; "" when refused. */
  id: string;
  /** Epoch ms worth retrying at; 0 when granted. */
  retryAt: number;
}

export type AttemptOutcome = "success" | "failure" | "release";

type LockRow = {
  failures: number;
  locked_until: number;
  last_failure: number;
  /** The policy's memoryMs when the last failure was counted. */
  memory: number;
};

const EMPTY: LockoutState = { locked: false, failures: 0, lockedUntil: 0 };

export class RateLimiterObject extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private schemaReady = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
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

  /** The lockout state at `now`, without changing it (and without creating storage). */
  lockState(now: number): LockoutState {
    if (!this.hasSchema()) return EMPTY;
    return this.effective(this.lockRow(), now);
  }

  /**
   * Reserves one password check for this email before it is hashed: refused
   * while locked, or while counted failures plus checks in flight already reach
   * the threshold (so at most `threshold` hashes run for one email's failures,
   * however they arrive). Settle the reservation with `settle`.
   */
  reserve(policy: LockoutPolicy, now: number): Reservation {
    this.observe(now);
    this.sql.exec(`DELETE FROM attempts WHERE expires <= ?`, now);
    const state = this.effective(this.lockRow(), now);
    if (state.locked) return { granted: false, id: "", retryAt: state.lockedUntil };
    const inFlight = this.sql.exec<{ n: number; soonest: number | null }>(`SELECT COUNT(*) AS n, MIN(expires) AS soonest FROM attempts`).one();
    if (state.failures + inFlight.n >= policy.threshold) {
      return { granted: false, id: "", retryAt: inFlight.soonest ?? now + policy.holdMs };
    }
    const id = crypto.randomUUID();
    this.sql.exec(`INSERT INTO attempts (id, expires) VALUES (?, ?)`, id, now + policy.holdMs);
    this.scheduleCleanup(now + policy.holdMs);
    return { granted: true, id, retryAt: 0 };
  }

  /**
   * Ends a reservation: `success` clears the count and any lock, `failure`
   * counts one (the `threshold`-th in a row locks for `lockMs`), `release`
   * changes nothing (the check never ran to a verdict). A failure is counted
   * even when its reservation has already expired.
   */
  async settle(id: string, outcome: AttemptOutcome, policy: LockoutPolicy, now: number): Promise<LockoutState> {
    this.observe(now);
    this.sql.exec(`DELETE FROM attempts WHERE id = ?`, id);
    let state: LockoutState;
    if (outcome === "success") {
      this.sql.exec(`DELETE FROM lockout`);
      state = EMPTY;
    } else if (outcome === "failure") {
      state = this.countFailure(policy, now);
    } else {
      state = this.effective(this.lockRow(), now);
    }
    await this.compact(now);
    return state;
  }

  /** Clears the failure count and any lock (a password reset, an admin unlock). */
  async resetLockout(): Promise<void> {
    if (!this.hasSchema()) return;
    this.sql.exec(`DELETE FROM lockout`);
    await this.compact(this.clockNow());
  }

  /** Forgets every counter of this key. */
  async clear(): Promise<void> {
    await this.dropStorage();
  }

  /**
   * Prunes what has expired by the callers' clock (the newest `now` seen),
   * never by this machine's: callers own time, so tests can move it. Deletes
   * the object's storage once nothing is left.
   */
  override async alarm(): Promise<void> {
    if (!this.hasSchema()) return;
    const now = this.clockNow();
    this.sql.exec(`DELETE FROM hits WHERE expires <= ?`, now);
    this.sql.exec(`DELETE FROM attempts WHERE expires <= ?`, now);
    if (await this.compact(now)) return;
    const row = this.lockRow();
    const next = this.sql
      .exec<{ e: number | null }>(`SELECT MIN(e) AS e FROM (SELECT MIN(expires) AS e FROM hits UNION ALL SELECT MIN(expires) FROM attempts)`)
      .one().e;
    const lockEnds = row ? Math.max(row.locked_until, row.last_failure + row.memory) : null;
    const at = [next, lockEnds].filter((v): v is number => v !== null && v > now);
    this.scheduleCleanup(at.length > 0 ? Math.min(...at) : now);
  }

  private countFailure(policy: LockoutPolicy, now: number): LockoutState {
    const current = this.effective(this.lockRow(), now);
    const failures = current.failures + 1;
    const lockedUntil = failures >= policy.threshold ? Math.max(current.lockedUntil, now + policy.lockMs) : current.lockedUntil;
    this.sql.exec(
      `INSERT INTO lockout (id, failures, locked_until, last_failure, memory) VALUES (1, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until,
         last_failure = excluded.last_failure, memory = excluded.memory`,
      failures,
      lockedUntil,
      now,
      policy.memoryMs,
    );
    this.scheduleCleanup(Math.max(lockedUntil, now + policy.memoryMs));
    return { locked: lockedUntil > now, failures, lockedUntil: lockedUntil > now ? lockedUntil : 0 };
  }

  /**
   * What a stored row means at `now`: a lock that has run out starts a fresh
   * count, and so does a count whose last failure is older than its memory.
   */
  private effective(row: LockRow | undefined, now: number): LockoutState {
    if (!row) return EMPTY;
    if (row.locked_until > now) return { locked: true, failures: row.failures, lockedUntil: row.locked_until };
    if (row.locked_until > 0 || row.last_failure + row.memory <= now) return EMPTY;
    return { locked: false, failures: row.failures, lockedUntil: 0 };
  }

  private lockRow(): LockRow | undefined {
    return this.sql
      .exec<LockRow>(`SELECT failures, locked_until, last_failure, memory FROM lockout WHERE id = 1`)
      .toArray()[0];
  }

  /** Deletes all storage (tables and alarm) when the key holds nothing at `now`; true when it did. */
  private async compact(now: number): Promise<boolean> {
    const busy = this.sql
      .exec<{ n: number }>(`SELECT (SELECT COUNT(*) FROM hits WHERE expires > ?) + (SELECT COUNT(*) FROM attempts WHERE expires > ?) AS n`, now, now)
      .one().n;
    if (busy > 0) return false;
    const lock = this.effective(this.lockRow(), now);
    if (lock.locked || lock.failures > 0) return false;
    await this.dropStorage();
    return true;
  }

  private async dropStorage(): Promise<void> {
    // From compatibility date 2026-02-24, deleteAll() removes the alarm too.
    await this.ctx.storage.deleteAll();
    this.schemaReady = false;
  }

  private hasSchema(): boolean {
    if (this.schemaReady) return true;
    const n = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'clock'`).one().n;
    if (n > 0) this.ensureSchema();
    return this.schemaReady;
  }

  private ensureSchema(): void {
    if (this.schemaReady) return;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL, expires INTEGER NOT NULL)`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS hits_at ON hits (at)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY CHECK (id = 1), now INTEGER NOT NULL)`);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS lockout (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, locked_until INTEGER NOT NULL)`,
    );
    // Objects stored before reservations existed lack these columns: add them, dating old counts from the last call seen.
    const columns = new Set(this.sql.exec<{ name: string }>(`PRAGMA table_info(lockout)`).toArray().map((c) => c.name));
    if (!columns.has("last_failure")) {
      this.sql.exec(`ALTER TABLE lockout ADD COLUMN last_failure INTEGER NOT NULL DEFAULT 0`);
      this.sql.exec(`UPDATE lockout SET last_failure = COALESCE((SELECT now FROM clock WHERE id = 1), 0)`);
    }
    if (!columns.has("memory")) this.sql.exec(`ALTER TABLE lockout ADD COLUMN memory INTEGER NOT NULL DEFAULT 86400000`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS attempts (id TEXT PRIMARY KEY, expires INTEGER NOT NULL)`);
    this.schemaReady = true;
  }

  private clockNow(): number {
    return this.sql.exec<{ now: number }>(`SELECT now FROM clock WHERE id = 1`).toArray()[0]?.now ?? 0;
  }

  private observe(now: number): void {
    this.ensureSchema();
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
