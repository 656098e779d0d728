// KV lifetimes (issue 12, item 8): a revocation key must outlive every token
// it refuses, and a token still verifies for the clock tolerance past its exp.
import { describe, expect, it } from "vitest";
import { CLOCK_TOLERANCE_SECONDS } from "../../src/auth/access-tokens";
import { kvRevocationStore } from "../../src/revocation";

function recordingKv() {
  const puts: Array<{ key: string; ttl: number | undefined }> = [];
  const kv = {
    async put(key: string, _value: string, opts?: { expirationTtl?: number }) {
      puts.push({ key, ttl: opts?.expirationTtl });
    },
  } as unknown as KVNamespace;
  return { kv, puts };
}

describe("revocation key lifetimes", () => {
  it("cover the token's remaining life plus the clock tolerance plus a margin", async () => {
    const { kv, puts } = recordingKv();
    const store = kvRevocationStore(kv);
    await store.revokeToken("jti-1", 900);
    await store.revokeSessions(["sid-1"], 900);
    await store.revokeUserBefore("42", 1_800_000_000, 900);
    expect(puts.map((p) => p.key)).toEqual(["j:jti-1", "s:sid-1", "u:42"]);
    for (const p of puts) expect(p.ttl).toBeGreaterThan(900 + CLOCK_TOLERANCE_SECONDS);
    // KV's floor of 60 s still holds for a token about to expire.
    await store.revokeToken("jti-2", 3);
    expect(puts.at(-1)?.ttl).toBeGreaterThanOrEqual(60);
  });
});
