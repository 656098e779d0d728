// Requests with headers fetch() refuses or rewrites (`connection`, names with
// `_`, repeated names), through node:http.
import { createHmac, randomUUID } from "node:crypto";
import http from "node:http";

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

/** `headers` as [name, value] pairs, sent exactly as given (repeats allowed). */
export function rawRequest(url: string, method: string, headers: Array<[string, string]>, body?: string): Promise<RawAnswer> {
  const u = new URL(url);
  const flat: string[] = [];
  if (!headers.some(([k]) => k.toLowerCase() === "host")) flat.push("host", u.host);
  for (const [k, v] of headers) flat.push(k, v);
  if (body !== undefined) flat.push("content-length", String(Buffer.byteLength(body)));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers: flat, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** An HS256 JWT over `claims` with `header` (default the gateway's assertion header). */
export function signJwt(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: "HS256", typ: "JWT" }): string {
  const head = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(createHmac("sha256", Buffer.from(secret, "utf8")).update(head).digest())}`;
}

/** Claims shaped like the gateway's x-auth-assertion, bound to `method` and `path`. */
export function assertionClaims(opts: { sub: string; email: string; method: string; path: string; audience?: string; roles?: string[] }) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: "http://127.0.0.1",
    aud: opts.audience ?? "upstream",
    sub: opts.sub,
    sid: randomUUID(),
    email: opts.email,
    email_verified: false,
    roles: opts.roles ?? ["user"],
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 60,
    mth: opts.method,
    pth: opts.path,
    rid: randomUUID(),
  };
}
