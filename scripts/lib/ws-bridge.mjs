// A WebSocket-to-TCP bridge: it stands where Neon's WebSocket proxy stands in
// production, so `@neondatabase/serverless` in the Worker can reach a plain
// PostgreSQL. The driver connects to ws://host/v1?address=<pghost>:<pgport>;
// only the addresses in `allowed` are ever dialled.
import net from "node:net";
import { createRequire } from "node:module";

// Loaded through require so bundlers (vite in tests) never pick ws's browser stub.
const { WebSocketServer } = createRequire(import.meta.url)("ws");

// A Terminate message ('X', length 4) alone: the client closing, no answer awaited.
const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4]);

export async function startBridge({ port = 0, allowed }) {
  const allow = new Set(allowed);
  const wss = new WebSocketServer({ host: "127.0.0.1", port });
  const sockets = new Set();
  // Round-trip counting (the benchmark's direct measure): a "turn" is a client
  // burst that waits for the server, i.e. client bytes after server bytes (or
  // first on a connection). Pipelined start-up + first query is one turn.
  const stats = { connections: 0, turns: 0 };
  // Fault injection for tests: while paused, bytes are held in both directions
  // (a stalled network or a frozen server); resume() releases them.
  let paused = false;
  const held = [];
  const relay = (fn) => (paused ? held.push(fn) : fn());
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://bridge").searchParams.get("address") ?? "";
    if (!allow.has(address)) {
      ws.close(1008, "address not allowed");
      return;
    }
    const sep = address.lastIndexOf(":");
    const tcp = net.connect({ host: address.slice(0, sep), port: Number(address.slice(sep + 1)) });
    sockets.add(tcp);
    stats.connections += 1;
    let awaitingServer = false;
    tcp.setNoDelay(true);
    tcp.on("data", (chunk) =>
      relay(() => {
        awaitingServer = false;
        if (ws.readyState === ws.OPEN) ws.send(chunk);
      }),
    );
    tcp.on("close", () => {
      sockets.delete(tcp);
      ws.close();
    });
    tcp.on("error", () => ws.terminate());
    ws.on("message", (data) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!awaitingServer && !bytes.equals(TERMINATE)) {
        awaitingServer = true;
        stats.turns += 1;
      }
      relay(() => tcp.write(data));
    });
    ws.on("close", () => tcp.end());
    ws.on("error", () => tcp.destroy());
  });
  await new Promise((resolve, reject) => {
    wss.once("listening", resolve);
    wss.once("error", reject);
  });
  const actual = wss.address().port;
  return {
    port: actual,
    url: `ws://127.0.0.1:${actual}`,
    /** Connections opened and request→response turns so far (see above). */
    stats: () => ({ ...stats }),
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const fn of held.splice(0)) fn();
    },
    /** Drops every live connection (fault injection: "Postgres went away"). */
    dropAll() {
      for (const s of sockets) s.destroy();
      for (const c of wss.clients) c.terminate();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
