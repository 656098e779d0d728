// A webhook receiver for the delivery tests (host side): it records every
// POST to /mail and /events and can be told to fail the ones whose body
// contains a marker, a number of times or always:
//   POST /__fail {"match": "...", "times": 2 | -1}   -> 204
//   GET  /__received?match=...                        -> [{path, headers, body, status}]
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SinkRecord {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  status: number;
}

export async function startDeliverySink(): Promise<{ url: string; close(): Promise<void> }> {
  const received: SinkRecord[] = [];
  const rules: Array<{ match: string; times: number }> = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://sink");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (url.pathname === "/__fail") {
      const rule = JSON.parse(body) as { match: string; times: number };
      rules.push(rule);
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === "/__received") {
      const match = url.searchParams.get("match") ?? "";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(received.filter((r) => r.body.includes(match))));
      return;
    }
    const rule = rules.find((r) => r.times !== 0 && body.includes(r.match));
    let status = 204;
    if (rule) {
      if (rule.times > 0) rule.times -= 1;
      status = 503;
    }
    received.push({ path: url.pathname, headers: req.headers, body, status });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
