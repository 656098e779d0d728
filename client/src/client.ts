/**
 * The browser client of the gateway, cookie transport: the tokens stay in
 * HttpOnly cookies the page never sees; this client signs in and out, walks
 * the MFA and passkey steps, and wraps `fetch` so that a request that meets
 * an expired session (401 `token_expired`, or `unauthorized` once the browser
 * dropped the expired access cookie) is retried once after ONE refresh shared
 * by every request of every tab (see refresh-coordinator.ts).
 *
 * @example
 * const auth = createAuthClient();
 * const r = await auth.signIn("ana@example.com", password);
 * if (r.status === "mfa_required") await auth.completeMfa(r.challenge, { code: "123456" });
 * const tasks = await (await auth.fetch("/api/tasks")).json();
 */
import { AuthError, problemOf } from "./errors";
import { authenticationJSON, creationOptions, registrationJSON, requestOptions } from "./passkeys";
import { createRefreshCoordinator, type RefreshCoordinator } from "./refresh-coordinator";
import type {
  CreationOptionsJSON,
  MfaChallenge,
  MfaProof,
  Passkey,
  RequestOptionsJSON,
  SessionInfo,
  SessionResponse,
  SignInResult,
  User,
} from "./types";

export interface AuthClientOptions {
  /** The gateway's origin (and path prefix); "" = this page's origin. */
  baseUrl?: string;
  /** The fetch to use (window.fetch by default). */
  fetch?: typeof fetch;
  /** Cross-tab coordination: Web Locks when the browser has them ("auto"), or the BroadcastChannel fallback. */
  coordination?: "auto" | "broadcast";
  /** Prefix of the lock, channel and storage names; one per gateway. */
  name?: string;
  /** Called when a refresh fails: the session is over (show the sign-in). */
  onSessionEnded?: () => void;
}

export interface AuthClient {
  register(email: string, password: string, fullName?: string): Promise<void>;
  /** Password sign-in; `mfa_required` carries the challenge for `completeMfa`. */
  signIn(email: string, password: string): Promise<SignInResult>;
  completeMfa(challenge: MfaChallenge, proof: MfaProof): Promise<User>;
  signOut(): Promise<void>;
  signOutEverywhere(): Promise<void>;
  me(): Promise<User>;
  sessions(): Promise<SessionInfo[]>;
  /** Forces a refresh (shared like any other); true when a new session was issued. */
  refresh(): Promise<boolean>;
  /** fetch with the session's cookies; refreshes once and retries on an expired session. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  passkeys: {
    /** Creates a passkey for the signed-in user (navigator.credentials.create). */
    register(name?: string): Promise<Passkey>;
    /** Signs in with a discoverable passkey (navigator.credentials.get). */
    signIn(): Promise<User>;
    list(): Promise<Passkey[]>;
    remove(id: string): Promise<void>;
  };
  readonly coordination: "web-locks" | "broadcast";
  close(): void;
}

const REFRESHABLE = new Set(["token_expired", "unauthorized"]);

/** See the module comment. */
export function createAuthClient(options: AuthClientOptions = {}): AuthClient {
  const base = (options.baseUrl ?? "").replace(/\/+$/, "");
  const send = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const url = (path: string) => `${base}${path}`;

  const json = (method: string, path: string, body?: unknown): Promise<Response> =>
    send(url(path), {
      method,
      credentials: "include",
      headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function expect<T>(res: Response, status: number): Promise<T> {
    if (res.status !== status) throw new AuthError(res.status, await problemOf(res));
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  const coordinator: RefreshCoordinator = createRefreshCoordinator({
    name: options.name,
    locks: options.coordination === "broadcast" ? null : undefined,
    async refresh() {
      const res = await json("POST", "/auth/refresh");
      if (res.ok) return true;
      if (res.status === 401 || res.status === 400) options.onSessionEnded?.();
      if (res.status >= 500 || res.status === 429) throw new AuthError(res.status, await problemOf(res));
      return false;
    },
  });

  async function authFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    // A Request body can be read once: keep a copy for the retry.
    const spare = input instanceof Request ? input.clone() : undefined;
    const seen = await coordinator.generation();
    const first = await send(input, { credentials: "include", ...init });
    if (first.status !== 401) return first;
    const problem = await problemOf(first);
    if (!problem || !REFRESHABLE.has(problem.code)) return first;
    if (!(await coordinator.refreshAfter(seen))) return first;
    return send(spare ?? input, { credentials: "include", ...init });
  }

  async function session(res: Response): Promise<User> {
    return (await expect<SessionResponse>(res, 200)).user;
  }

  return {
    coordination: coordinator.mode,
    async register(email, password, fullName) {
      await expect(await json("POST", "/auth/register", { email, password, ...(fullName ? { full_name: fullName } : {}) }), 202);
    },
    async signIn(email, password) {
      const res = await json("POST", "/auth/login", { email, password });
      if (res.status === 401) {
        const problem = await problemOf(res);
        if (problem?.code === "mfa_required" && problem.mfa_token) {
          return { status: "mfa_required", challenge: { mfaToken: problem.mfa_token, methods: problem.methods ?? ["totp"] } };
        }
        throw new AuthError(401, problem);
      }
      return { status: "signed_in", user: await session(res) };
    },
    async completeMfa(challenge, proof) {
      return session(await json("POST", "/auth/login/mfa", { mfa_token: challenge.mfaToken, ...proof }));
    },
    async signOut() {
      await expect(await json("POST", "/auth/logout"), 204);
    },
    async signOutEverywhere() {
      await expect(await authFetch(url("/auth/logout-all"), { method: "POST" }), 204);
    },
    async me() {
      return (await expect<{ user: User }>(await authFetch(url("/auth/me"), { headers: { accept: "application/json" } }), 200)).user;
    },
    async sessions() {
      const res = await authFetch(url("/auth/sessions"), { headers: { accept: "application/json" } });
      return (await expect<{ sessions: SessionInfo[] }>(res, 200)).sessions;
    },
    async refresh() {
      return coordinator.refreshAfter(await coordinator.generation());
    },
    fetch: authFetch,
    passkeys: {
      async register(name) {
        const opts = await expect<CreationOptionsJSON>(await authFetch(url("/auth/passkeys/register/options"), { method: "POST" }), 200);
        const cred = (await navigator.credentials.create({ publicKey: creationOptions(opts) })) as PublicKeyCredential | null;
        if (!cred) throw new AuthError(400, undefined);
        const body = JSON.stringify({ credential: registrationJSON(cred), ...(name ? { name } : {}) });
        const res = await authFetch(url("/auth/passkeys/register"), { method: "POST", headers: { "content-type": "application/json" }, body });
        return (await expect<{ passkey: Passkey }>(res, 201)).passkey;
      },
      async signIn() {
        const opts = await expect<RequestOptionsJSON>(await json("POST", "/auth/passkeys/login/options"), 200);
        const cred = (await navigator.credentials.get({ publicKey: requestOptions(opts) })) as PublicKeyCredential | null;
        if (!cred) throw new AuthError(400, undefined);
        return session(await json("POST", "/auth/passkeys/login", { credential: authenticationJSON(cred) }));
      },
      async list() {
        return (await expect<{ passkeys: Passkey[] }>(await authFetch(url("/auth/passkeys")), 200)).passkeys;
      },
      async remove(id) {
        await expect(await authFetch(url(`/auth/passkeys/${encodeURIComponent(id)}`), { method: "DELETE" }), 204);
      },
    },
    close: () => coordinator.close(),
  };
}
