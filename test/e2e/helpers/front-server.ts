// A stand-in for a web front end behind the gateway: serves one HTML page at
// /public/app.html and passes every other request to FastAPI unchanged
// (streamed both ways), recording what it received. Also a second-origin
// "other site" server for cross-site requests.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface FrontServer {
  url: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export const APP_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TDAH assistant (e2e)</title></head>
<body><main><h1 id="title">TDAH assistant</h1><p id="who">not signed in</p></main></body></html>`;

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: http.Server): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** A static file the front server serves on GET (path → content type and body). */
export type StaticFiles = Record<string, { type: string; body: string }>;

export async function startFrontServer(fastapiUrl: string, files: StaticFiles = {}): Promise<FrontServer> {
  const target = new URL(fastapiUrl);
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    const pathOnly = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "GET" && pathOnly === "/public/app.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(APP_HTML);
      return;
    }
    const file = req.method === "GET" ? files[pathOnly] : undefined;
    if (file) {
      res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" });
      res.end(file.body);
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  return { url: await listen(server), seen, close: closer(server) };
}

/** A page on another origin (another port of 127.0.0.1: same site, other origin) that POSTs to `target`. */
export async function startOtherOrigin(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html><head><title>another origin</title></head><body><p>another origin</p></body></html>`);
  });
  return { url: await listen(server), close: closer(server) };
}
