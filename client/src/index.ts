/** The TDAH auth gateway's browser client. */
export { createAuthClient, type AuthClient, type AuthClientOptions } from "./client";
export { AuthError } from "./errors";
export { createRefreshCoordinator, type RefreshCoordinator, type RefreshCoordinatorOptions } from "./refresh-coordinator";
export * from "./passkeys";
export type * from "./types";
export type * from "./webauthn-json";
export type { Problem as ProblemOf } from "./contract.gen";
