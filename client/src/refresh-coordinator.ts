/**
 * One refresh for every tab. When requests of one tab, or of several tabs of
 * the same origin, meet an expired session at once, exactly one of them calls
 * `/auth/refresh`; the others wait for it and retry with the new cookies, so
 * no tab ever presents a refresh token that another tab has just spent.
 *
 * Every request records the session *generation* it was sent under. A refresh
 * happens under a cross-tab exclusive lock, and only if the generation is
 * still the one the failed request saw; otherwise another tab already
 * refreshed, and the request is simply retried.
 *
 * With the Web Locks API the generation lives in the lock manager itself: the
 * tab that refreshed to generation N holds a shared lock named `<name>:gen:N`
 * (tabs that learn of it hold it too, so it outlives the tab), and
 * `navigator.locks.query()` reads it with the same ordering as the lock grants.
 * Without Web Locks, a BroadcastChannel and localStorage stand in: a
 * best-effort mutex (claim, re-read, run) and the generation in storage, and
 * the gateway's refresh grace window absorbs the rare race they leave.
 *
 * @example
 * const coordinator = createRefreshCoordinator({ refresh: () => postRefresh() });
 * const seen = await coordinator.generation();
 * let res = await fetch(url);
 * if (res.status === 401 && (await coordinator.refreshAfter(seen))) res = await fetch(url);
 */

export interface RefreshCoordinatorOptions {
  /** Calls the gateway's refresh; true when it issued a new session. */
  refresh: () => Promise<boolean>;
  /** Prefix of lock, channel and storage names (one per gateway). */
  name?: string;
  /** `navigator.locks` by default; null forces the BroadcastChannel fallback. */
  locks?: LockManager | null;
}

export interface RefreshCoordinator {
  /** The session generation now: record it before sending a request. */
  generation(): Promise<number>;
  /** Makes sure a refresh newer than `seen` happened (sharing one across tabs); true when the retry may succeed. */
  refreshAfter(seen: number): Promise<boolean>;
  /** Which coordination is in use. */
  readonly mode: "web-locks" | "broadcast";
  close(): void;
}

interface Backend {
  read(): Promise<number>;
  publish(n: number): Promise<void>;
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  close(): void;
}

function webLocksBackend(locks: LockManager, name: string): Backend {
  const prefix = `${name}:gen:`;
  let held: { n: number; release: () => void } | undefined;

  const hold = (n: number): Promise<void> =>
    new Promise<void>((granted) => {
      if (held && held.n >= n) return granted();
      void locks.request(`${prefix}${n}`, { mode: "shared" }, () =>
        new Promise<void>((release) => {
          const previous = held;
          if (!previous || previous.n < n) {
            held = { n, release };
            previous?.release();
          } else {
            release();
          }
          granted();
        }),
      );
    });

  return {
    async read() {
      const { held: all = [] } = await locks.query();
      let n = held?.n ?? 0;
      for (const lock of all) {
        if (lock.name?.startsWith(prefix)) n = Math.max(n, Number(lock.name.slice(prefix.length)) || 0);
      }
      if (n > (held?.n ?? 0)) void hold(n);
      return n;
    },
    publish: hold,
    exclusive: <T>(fn: () => Promise<T>) => locks.request(`${name}:refresh`, { mode: "exclusive" }, fn) as Promise<T>,
    close() {
      held?.release();
      held = undefined;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function broadcastBackend(name: string): Backend {
  const genKey = `${name}:generation`;
  const claimKey = `${name}:refresh-claim`;
  const me = Math.random().toString(36).slice(2) + Date.now().toString(36);
  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(`${name}:refresh`) : undefined;
  let known = 0;
  const waiters = new Set<() => void>();
  const storage = (): Storage | undefined => {
    try {
      return globalThis.localStorage;
    } catch {
      return undefined;
    }
  };
  channel?.addEventListener("message", (event: MessageEvent<{ generation?: number; released?: boolean }>) => {
    if (typeof event.data?.generation === "number") known = Math.max(known, event.data.generation);
    for (const wake of waiters) wake();
  });
  const stored = () => Number(storage()?.getItem(genKey) ?? 0) || 0;
  const claim = (): { owner: string; until: number } | undefined => {
    try {
      return JSON.parse(storage()?.getItem(claimKey) ?? "null") ?? undefined;
    } catch {
      return undefined;
    }
  };
  const waitForNews = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        waiters.delete(wake);
        resolve();
      };
      waiters.add(wake);
      setTimeout(wake, ms);
    });
  let chain: Promise<unknown> = Promise.resolve();

  const acquireAndRun = async <T>(fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      const c = claim();
      if (c && c.owner !== me && c.until > Date.now()) {
        await waitForNews(50);
        continue;
      }
      storage()?.setItem(claimKey, JSON.stringify({ owner: me, until: Date.now() + 15_000 }));
      await sleep(25); // let a racing tab's claim land, then see whose stuck
      if (storage() && claim()?.owner !== me) continue;
      try {
        return await fn();
      } finally {
        if (claim()?.owner === me) storage()?.removeItem(claimKey);
        channel?.postMessage({ released: true });
      }
    }
  };

  return {
    async read() {
      known = Math.max(known, stored());
      return known;
    },
    async publish(n) {
      known = Math.max(known, n);
      storage()?.setItem(genKey, String(known));
      channel?.postMessage({ generation: known });
    },
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      // One at a time inside this tab, then the cross-tab claim.
      const run = chain.then(() => acquireAndRun(fn));
      chain = run.catch(() => undefined);
      return run;
    },
    close() {
      channel?.close();
    },
  };
}

/** See the module comment. */
export function createRefreshCoordinator(options: RefreshCoordinatorOptions): RefreshCoordinator {
  const name = options.name ?? "tdah-auth";
  const locks = options.locks === undefined ? globalThis.navigator?.locks : options.locks;
  const backend = locks ? webLocksBackend(locks, name) : broadcastBackend(name);
  let inflight: Promise<boolean> | undefined;

  return {
    mode: locks ? "web-locks" : "broadcast",
    generation: () => backend.read(),
    refreshAfter(seen) {
      // Within the tab: every request that failed joins the refresh already under way.
      inflight ??= backend
        .exclusive(async () => {
          const current = await backend.read();
          if (current > seen) return true;
          const ok = await options.refresh();
          if (ok) await backend.publish(current + 1);
          return ok;
        })
        .finally(() => {
          inflight = undefined;
        });
      return inflight;
    },
    close: () => backend.close(),
  };
}
