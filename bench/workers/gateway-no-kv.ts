/**
 * Diagnostic scenario E′: the real gateway app with ONE change, its KV
 * revocation check answered "not revoked" from memory (no I/O).
 *
 * Locally, KV is Miniflare's simulation (SQLite and files behind a service
 * in workerd), whose reads cost far more CPU than the rest of the protected
 * path. E (real local KV) and E′ (a free check) bracket what Cloudflare's
 * KV, served from the edge cache, would cost. Everything else (routing,
 * config, token verify, header policy, assertion, proxy) is src/ as is.
 *
 * This imports src/app.ts, like the tests do (DESIGN.md keeps that to
 * src/index.ts and tests; this is a measuring instrument, never deployed).
 */
import { createApp } from "../../src/app";
import type { RevocationStore } from "../../src/revocation";

export { RateLimiterObject } from "../../src/ratelimit/object";

const neverRevoked: RevocationStore = {
  isRevoked: async () => false,
  revokeToken: async () => {},
  revokeSessions: async () => {},
  revokeUserBefore: async () => {},
  ping: async () => {},
};

const app = createApp({ overrides: { revocations: neverRevoked } });

export default { fetch: app.fetch } satisfies ExportedHandler<Env>;
