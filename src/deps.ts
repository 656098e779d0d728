/**
 * The one place where bindings become adapters. Everything downstream takes
 * these interfaces, so tests can swap a piece (a failing KV, a clock) while
 * the rest stays real.
 */
import type { Config } from "./config";
import { openDatabase, type Database, type DatabaseHandle, type DatabaseOptions } from "./db";
import { passwordHasher } from "./auth/password-service";
import type { PasswordHasher } from "./auth/passwords";
import { deliverer } from "./delivery/deliver";
import { createEvents, type Events } from "./delivery/events";
import { directOutbox, queueOutbox, type Outbox } from "./delivery/outbox";
import { createMailer } from "./mail";
import type { Mailer } from "./mail/types";
import { durableChallengeStore, type ChallengeStore } from "./passkeys/challenges";
import { durableLockoutStore, durableRateLimiter, type LockoutStore, type RateLimiter } from "./ratelimit/limiter";
import { kvRevocationStore, type RevocationStore } from "./revocation";

export interface Deps {
  config: Config;
  /** Opens the request's Postgres pool on first use; closed after the response. */
  db(): Database;
  revocations: RevocationStore;
  limiter: RateLimiter;
  lockouts: LockoutStore;
  /** Single-use WebAuthn challenges (a Durable Object per challenge). */
  challenges: ChallengeStore;
  mailer: Mailer;
  /** Mail and events go out through it (the delivery Queue); enqueue only after your change commits. */
  outbox: Outbox;
  /** Account events: `deps.events.emit("user.created", { user_id })` after the change commits. */
  events: Events;
  passwords: PasswordHasher;
  /** Epoch milliseconds. */
  now(): number;
  /** Runs work after the response (mail, pool shutdown) without delaying it. */
  defer(work: Promise<unknown>): void;
  /** Ends the request's resources; called once the response is decided. */
  close(): void;
}

export interface DepsOverrides {
  now?: () => number;
  /** An in-memory mailer: mail is then sent directly (no Queue), for tests that read it. */
  mailer?: Mailer;
  outbox?: Outbox;
  passwords?: (real: PasswordHasher) => PasswordHasher;
  revocations?: RevocationStore;
  limiter?: RateLimiter;
  lockouts?: LockoutStore;
  challenges?: ChallengeStore;
  openDatabase?: (config: Config) => DatabaseHandle;
}

/** The Postgres options of a configuration. */
export function databaseOptions(c: Config): DatabaseOptions {
  return {
    url: c.databaseUrl,
    wsProxy: c.databaseWsProxy,
    timeoutMs: c.databaseTimeoutMs,
    connectTimeoutMs: c.databaseConnectTimeoutMs,
    pipelineConnect: c.databasePipelineConnect,
  };
}

export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * The request's adapters over the bindings (called once per request by app.ts).
 *
 * @example
 * const deps = buildDeps(env, ctx, getConfig(env));
 * const user = await findUserById(deps.db(), 1);
 * deps.close(); // ends the Postgres pool after deferred work
 */
export function buildDeps(env: Env, ctx: WaitUntil, config: Config, overrides: DepsOverrides = {}): Deps {
  let handle: DatabaseHandle | undefined;
  const open = overrides.openDatabase ?? ((c: Config) => openDatabase(databaseOptions(c)));
  const pending: Promise<unknown>[] = [];
  const defer = (work: Promise<unknown>) => {
    const settled = work.catch(() => {});
    pending.push(settled);
    ctx.waitUntil(settled);
  };
  const now = overrides.now ?? Date.now;
  const mailer = overrides.mailer ?? createMailer(config);
  const outbox =
    overrides.outbox ??
    (overrides.mailer || !env.DELIVERY_QUEUE
      ? directOutbox(deliverer(config, { mailer }), now)
      : queueOutbox(env.DELIVERY_QUEUE));
  return {
    config,
    db() {
      handle ??= open(config);
      return handle.db;
    },
    revocations: overrides.revocations ?? kvRevocationStore(env.TOKEN_BLACKLIST),
    limiter: overrides.limiter ?? durableRateLimiter(env.RATE_LIMITER),
    lockouts:
      overrides.lockouts ?? durableLockoutStore(env.RATE_LIMITER, config.lockoutThreshold, config.lockoutSeconds),
    mailer,
    outbox,
    events: createEvents(config, outbox, defer, now),
    challenges: overrides.challenges ?? durableChallengeStore(env.PASSKEY_CHALLENGES),
    passwords: overrides.passwords ? overrides.passwords(passwordHasher(config)) : passwordHasher(config),
    now,
    defer,
    close() {
      // Deferred work (audit rows, mail) may still need the pool: end it after them.
      const h = handle;
      if (!h) return;
      const drain = async (): Promise<void> => {
        let seen: number;
        do {
          seen = pending.length;
          await Promise.allSettled(pending);
        } while (pending.length !== seen);
        await h.close();
      };
      ctx.waitUntil(drain());
    },
  };
}
