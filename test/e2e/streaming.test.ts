// Streamed answers through the real `npm run dev` (wrangler dev, workerd, the
// local stand-in for Cloudflare's front line): every piece an upstream writes
// must be readable by the client as soon as it is written, whatever the
// client's Accept-Encoding; long streams and WebSockets outlive
// UPSTREAM_TIMEOUT_MS (a timer for the answer's start, not its end).
import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { startStack, type Stack } from "./helpers/stack";

const PIECES = 5;
const GAP_MS = 600;

/** An app that writes a piece every `gap` ms, optionally gzip-encoding (flushed per piece) itself. */
async function startStreamingApp(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://app");
    const pieces = Number(url.searchParams.get("n") ?? PIECES);
    const gap = Number(url.searchParams.get("gap") ?? GAP_MS);
    const types: Record<string, string> = {
      "/stream/text": "text/plain; charset=utf-8",
      "/stream/ndjson": "application/x-ndjson",
      "/stream/gzip": "text/plain; charset=utf-8",
    };
    const type = types[url.pathname];
    if (!type) {
      res.writeHead(404).end();
      return;
    }
    const own = url.pathname === "/stream/gzip";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store", ...(own ? { "content-encoding": "gzip" } : {}) });
    const gzip = own ? zlib.createGzip() : undefined;
    if (gzip) gzip.pipe(res);
    let i = 0;
    const write = () => {
      const line = url.pathname === "/stream/ndjson" ? `${JSON.stringify({ piece: i })}\n` : `piece ${i}\n`;
      if (gzip) {
        gzip.write(line);
        gzip.flush(zlib.constants.Z_SYNC_FLUSH);
      } else {
        res.write(line);
      }
      i += 1;
      if (i >= pieces) {
        if (gzip) gzip.end();
        else res.end();
        return;
      }
      setTimeout(write, gap);
    };
    write();
  });
  const wss = new WebSocketServer({ server, path: "/ws/hold" });
  wss.on("connection", (socket) => socket.on("message", (data) => socket.send(String(data))));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Timed {
  status: number;
  encoding: string | undefined;
  /** Each decoded piece (a line) and the ms after the request when it became readable. */
  pieces: Array<{ text: string; at: number }>;
}

/** GETs `url` with `acceptEncoding`, decoding as the client would, timing each decoded line. */
function timedGet(url: string, acceptEncoding: string): Promise<Timed> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { "accept-encoding": acceptEncoding }, agent: false }, (res) => {
      const encoding = res.headers["content-encoding"];
      const decoded =
        encoding === "gzip"
          ? res.pipe(zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH }))
          : encoding === "br"
            ? res.pipe(zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH }))
            : res;
      const pieces: Timed["pieces"] = [];
      let buffered = "";
      decoded.on("data", (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        let nl: number;
        while ((nl = buffered.indexOf("\n")) !== -1) {
          pieces.push({ text: buffered.slice(0, nl), at: performance.now() - started });
          buffered = buffered.slice(nl + 1);
        }
      });
      decoded.on("end", () => resolve({ status: res.statusCode ?? 0, encoding, pieces }));
      decoded.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** The pieces arrived one by one: the last became readable well after the first. */
function expectStreamed(timed: Timed, pieces = PIECES, gap = GAP_MS): void {
  expect(timed.status).toBe(200);
  expect(timed.pieces).toHaveLength(pieces);
  const first = timed.pieces[0]?.at ?? 0;
  const last = timed.pieces[pieces - 1]?.at ?? 0;
  // Produced (pieces - 1) * gap apart; buffered until the end they would arrive together.
  expect(last - first).toBeGreaterThan((pieces - 1) * gap * 0.6);
  for (let i = 1; i < pieces; i++) {
    expect((timed.pieces[i]?.at ?? 0) - (timed.pieces[i - 1]?.at ?? 0)).toBeGreaterThan(gap * 0.3);
  }
}

let stack: Stack;
let app: Awaited<ReturnType<typeof startStreamingApp>>;

beforeAll(async () => {
  app = await startStreamingApp();
  stack = await startStack({
    adminDatabaseUrl: inject("e2eAdminDatabaseUrl"),
    name: "streaming",
    env: { PUBLIC_PATHS: "/health,/stream/**,/ws/**", UPSTREAM_TIMEOUT_MS: "2000" },
    upstreamUrl: () => app.url,
  });
});

afterAll(async () => {
  await stack?.stop();
  await app?.close();
});

describe("streamed answers reach the client piece by piece", () => {
  for (const path of ["/stream/text", "/stream/ndjson"]) {
    it(`${path} with Accept-Encoding: gzip, br`, async () => {
      const timed = await timedGet(`${stack.gatewayUrl}${path}`, "gzip, br");
      expectStreamed(timed);
      // The app did not encode it, so nothing on the way does.
      expect([undefined, "identity"]).toContain(timed.encoding);
      expect(timed.pieces[0]?.text).toMatch(/piece/);
    });
  }

  it("an answer the app gzipped itself passes through in the app's own encoding, still piece by piece", async () => {
    const timed = await timedGet(`${stack.gatewayUrl}/stream/gzip`, "gzip, br");
    expect(timed.encoding).toBe("gzip");
    expectStreamed(timed);
    expect(timed.pieces.map((p) => p.text)).toEqual(Array.from({ length: PIECES }, (_, i) => `piece ${i}`));
  });

  it("a 10 s stream outlives a 2 s UPSTREAM_TIMEOUT_MS", async () => {
    const timed = await timedGet(`${stack.gatewayUrl}/stream/text?n=11&gap=1000`, "gzip");
    expectStreamed(timed, 11, 1000);
  });

  it("a 10 s WebSocket outlives a 2 s UPSTREAM_TIMEOUT_MS", async () => {
    const socket = new WebSocket(`${stack.gatewayUrl.replace("http", "ws")}/ws/hold`);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    const echoes: string[] = [];
    socket.on("message", (data) => echoes.push(String(data)));
    for (let i = 0; i < 6; i++) {
      socket.send(`tick ${i}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(socket.readyState).toBe(WebSocket.OPEN);
    expect(echoes).toEqual(Array.from({ length: 6 }, (_, i) => `tick ${i}`));
    socket.close();
  });
});
