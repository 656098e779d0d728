#!/usr/bin/env node
// The benchmark's upstream: a minimal Node HTTP server on 127.0.0.1 that
// answers every request 200 with a small JSON body. It runs in its own
// process (bench/run.mjs spawns it) so it never shares an event loop with
// the load generator.
//
// It echoes the identity the gateway injected in `x-seen-user` (from
// `x-user-id`, empty when none), so run.mjs can check that scenario E really
// went through authentication and D did not.
//
//   node bench/upstream.mjs [port]      prints "listening <port>" once ready
import http from "node:http";

const port = Number(process.argv[2] ?? 0);
const body = Buffer.from(JSON.stringify({ ok: true, service: "bench-upstream" }));

const server = http.createServer((req, res) => {
  // Drain any request body, then answer.
  req.resume();
  req.on("end", () => {
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": body.length,
      "x-seen-user": String(req.headers["x-user-id"] ?? ""),
    });
    res.end(body);
  });
});
// Keep client connections (workerd's and autocannon's) open between requests.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Exit with the parent: a closed stdin means bench/run.mjs is gone.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
