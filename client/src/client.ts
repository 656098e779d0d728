/**
 * The browser client of the gateway, cookie transport: the tokens stay in
 * HttpOnly cookies the page never sees; this client signs in and out, walks
 * the MFA and passkey steps, and wraps `fetch` so that a request that meets
 * an expired session (401 `token_expired`, or `unauthorized` once the browser
 * dropped the expired access cookie) is retried once after ONE refresh shared
 * by every request of every tab (see refresh-coordinator.ts). Every gateway
 * call names its operation (`"POST /auth/login"`): its body and answer types
 * come from the contract generated from the OpenAPI document (types.ts).
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
import type { Answer, Body, MfaChallenge, MfaProof, Operation, Operations, Passkey, SessionInfo, SessionResponse, SignInResult, User } from "./types";
import type { CreationOptionsJSON, RequestOptionsJSON } from "./webauthn-json";

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

  /** The method and path of `op`, its `{id}` filled in. */
  function endpoint(op: Operation, id?: string): { method: string; path: string } {
    const [method = "GET", template = ""] = op.split(" ");
    return { method, path: url(id === undefined ? template : template.replace("{id}", encodeURIComponent(id))) };
  }

  const jsonInit = (method: string, body: unknown): RequestInit => ({
    method,
    headers: body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

  /** An operation that needs no session (sign-in, refresh, sign-out). */
  function json<K extends Operation>(op: K, body?: Body<K>): Promise<Response> {
    const { method, path } = endpoint(op);
    return send(path, { credentials: "include", ...jsonInit(method, body) });
  }

  /** An operation of the signed-in user: through `authFetch`, so an expired session is refreshed once. */
  function authed<K extends Operation>(op: K, body?: Body<K>, id?: string): Promise<Response> {
    const { method, path } = endpoint(op, id);
    return authFetch(path, jsonInit(method, body));
  }

  /** The answer of `op` at `status`, or an AuthError with the problem details. */
  async function answer<K extends Operation, S extends keyof Operations[K]["answers"] & number>(_op: K, res: Response, status: S): Promise<Answer<K, S>> {
    if (res.status !== status) throw new AuthError(res.status, await problemOf(res));
    return (res.status === 204 ? undefined : await res.json()) as Answer<K, S>;
  }

  const coordinator: RefreshCoordinator = createRefreshCoordinator({
    name: options.name,
    locks: options.coordination === "broadcast" ? null : undefined,
    async refresh() {
      const res = await json("POST /auth/refresh");
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

  async function session(op: "POST /auth/login/mfa" | "POST /auth/passkeys/login", res: Response): Promise<User> {
    const body: SessionResponse = await answer(op, res, 200);
    return body.user;
  }

  return {
    coordination: coordinator.mode,
    async register(email, password, fullName) {
      await answer("POST /auth/register", await json("POST /auth/register", { email, password, ...(fullName ? { full_name: fullName } : {}) }), 202);
    },
    async signIn(email, password) {
      const res = await json("POST /auth/login", { email, password });
      if (res.status === 401) {
        const problem = await problemOf(res);
        if (problem?.code === "mfa_required" && problem.mfa_token) {
          return { status: "mfa_required", challenge: { mfaToken: problem.mfa_token, methods: problem.methods ?? ["totp"] } };
        }
        throw new AuthError(401, problem);
      }
      const body: SessionResponse = await answer("POST /auth/login", res, 200);
      return { status: "signed_in", user: body.user };
    },
    async completeMfa(challenge: MfaChallenge, proof: MfaProof) {
      return session("POST /auth/login/mfa", await json("POST /auth/login/mfa", { mfa_token: challenge.mfaToken, ...proof }));
    },
    async signOut() {
      await answer("POST /auth/logout", await json("POST /auth/logout"), 204);
    },
    async signOutEverywhere() {
      await answer("POST /auth/logout-all", await authed("POST /auth/logout-all"), 204);
    },
    async me() {
      return (await answer("GET /auth/me", await authed("GET /auth/me"), 200)).user;
    },
    async sessions(): Promise<SessionInfo[]> {
      return (await answer("GET /auth/sessions", await authed("GET /auth/sessions"), 200)).sessions;
    },
    async refresh() {
      return coordinator.refreshAfter(await coordinator.generation());
    },
    fetch: authFetch,
    passkeys: {
      async register(name): Promise<Passkey> {
        const opts: CreationOptionsJSON = await answer("POST /auth/passkeys/register/options", await authed("POST /auth/passkeys/register/options"), 200);
        const cred = (await navigator.credentials.create({ publicKey: creationOptions(opts) })) as PublicKeyCredential | null;
        if (!cred) throw new AuthError(400, undefined);
        const res = await authed("POST /auth/passkeys/register", { credential: registrationJSON(cred), ...(name ? { name } : {}) });
        return (await answer("POST /auth/passkeys/register", res, 201)).passkey;
      },
      async signIn() {
        const opts: RequestOptionsJSON = await answer("POST /auth/passkeys/login/options", await json("POST /auth/passkeys/login/options"), 200);
        const cred = (await navigator.credentials.get({ publicKey: requestOptions(opts) })) as PublicKeyCredential | null;
        if (!cred) throw new AuthError(400, undefined);
        return session("POST /auth/passkeys/login", await json("POST /auth/passkeys/login", { credential: authenticationJSON(cred) }));
      },
      async list() {
        return (await answer("GET /auth/passkeys", await authed("GET /auth/passkeys"), 200)).passkeys;
      },
      async remove(id) {
        await answer("DELETE /auth/passkeys/{id}", await authed("DELETE /auth/passkeys/{id}", undefined, id), 204);
      },
    },
    close: () => coordinator.close(),
  };
}
