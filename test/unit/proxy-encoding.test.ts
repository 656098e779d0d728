/**
 * preserveEncoding: what the gateway tells the runtime and the edge about an
 * upstream body (the end-to-end timing is in test/e2e/streaming.test.ts).
 */
import { describe, expect, it } from "vitest";
import { preserveEncoding } from "../../src/proxy/encoding";

function stream(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode("piece\n"));
      c.close();
    },
  });
}

describe("preserveEncoding", () => {
  it("marks a streamed, unencoded body: sent as is, no-transform, identity", () => {
    const up = new Response(stream(), { headers: { "content-type": "text/plain" } });
    const out = new Headers({ "content-type": "text/plain", "cache-control": "no-store" });
    expect(preserveEncoding(up, out)).toEqual({ encodeBody: "manual" });
    expect(out.get("cache-control")).toBe("no-store, no-transform");
    expect(out.get("content-encoding")).toBe("identity");
    const bare = new Headers();
    preserveEncoding(new Response(stream()), bare);
    expect(bare.get("cache-control")).toBe("no-transform");
    const already = new Headers({ "cache-control": "No-Transform, private" });
    preserveEncoding(new Response(stream()), already);
    expect(already.get("cache-control")).toBe("No-Transform, private");
  });

  it("passes the app's own encoding on untouched, and leaves complete or empty bodies to the edge", () => {
    const cases: Response[] = [
      new Response(stream(), { headers: { "content-encoding": "gzip" } }),
      new Response("complete", { headers: { "content-length": "8" } }),
      new Response(null, { status: 204 }),
      new Response(null, { status: 200 }),
    ];
    for (const up of cases) {
      const out = new Headers({ "cache-control": "no-store" });
      expect(preserveEncoding(up, out)).toEqual({});
      expect(out.get("cache-control")).toBe("no-store");
      expect(out.has("content-encoding")).toBe(false);
    }
  });
});
