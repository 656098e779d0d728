// A recording HTTP upstream for tests and benchmarks: it answers every request
// with a JSON echo of what it received and remembers it, so tests can assert
// what reached (or never reached) the app behind the gateway.
//   GET  /__recorded  -> the recorded requests (nothing clears them: test files share one upstream
//                        and run at once, so each asserts on a marker of its own in the URL)
//   /__slow?ms=N      -> answers after N ms;  /__reset-conn -> destroys the socket
//   /__redirect       -> 302 to /elsewhere;   /__cookie -> sets cookies
//   /__cors           -> reflects Origin in its own access-control-* headers (an app that widens CORS)
import http from "node:http";

export async function startRecordingUpstream({ port = 0 } = {}) {
  const recorded = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://upstream");
    if (url.pathname === "/__recorded") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(recorded));
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString("utf8");
    const entry = { method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body };
    recorded.push(entry);
    if (url.pathname === "/__slow") {
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms") ?? "1000")));
    }
    if (url.pathname === "/__reset-conn") {
      req.socket.destroy();
      return;
    }
    if (url.pathname === "/__redirect") {
      res.writeHead(302, { location: "/elsewhere" });
      res.end();
      return;
    }
    if (url.pathname === "/__cors") {
      res.setHeader("access-control-allow-origin", req.headers.origin ?? "*");
      res.setHeader("access-control-allow-credentials", "true");
      res.setHeader("access-control-expose-headers", "x-upstream");
      res.setHeader("Access-Control-Allow-Methods", "PUT, DELETE");
    }
    if (url.pathname === "/__cookie") {
      res.setHeader("set-cookie", ["app_session=1; Path=/", "access=evil; Path=/", "__Host-access=evil; Path=/; Secure"]);
      res.setHeader("x-user-id", "999");
    }
    res.writeHead(200, { "content-type": "application/json", "x-upstream": "recording" });
    res.end(JSON.stringify({ ok: true, method: req.method, path: url.pathname, query: url.search, headers: req.headers, body }));
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
  const actual = server.address().port;
  return {
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    recorded,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
