import { describe, expect, it } from "vitest";
import {
  downstreamResponseHeaders,
  encodeHeaderValue,
  injectIdentity,
  upstreamRequestHeaders,
  type Forwarding,
  type UpstreamIdentity,
} from "../../src/proxy/headers";

const COOKIES = ["__Host-access", "__Secure-refresh"] as const;
const OPTS = { forwardAuthorization: false, gatewayCookieNames: COOKIES };
const IDENTITY: UpstreamIdentity = {
  userId: "42",
  email: "ana@example.com",
  emailVerified: true,
  roles: ["user", "admin"],
  sessionId: "sess-1",
  amr: ["pwd", "otp", "mfa"],
  assertion: "h.p.s",
};
const FORWARDING: Forwarding = { clientIp: "192.0.2.10", proto: "https", host: "gw.test", requestId: "rid-1" };

function names(h: Headers): string[] {
  return [...h.keys()].sort();
}

/** Strip, then inject: the order the proxy handler uses. */
function forwarded(inbound: HeadersInit, identity: UpstreamIdentity | "anonymous" = IDENTITY): Headers {
  const h = upstreamRequestHeaders(new Headers(inbound), OPTS);
  injectIdentity(h, identity === "anonymous" ? undefined : identity, FORWARDING);
  return h;
}

describe("upstreamRequestHeaders", () => {
  it("returns a new Headers and leaves the inbound one untouched", () => {
    const inbound = new Headers({ "x-user-id": "1", accept: "text/plain" });
    const out = upstreamRequestHeaders(inbound, OPTS);
    expect(out).not.toBe(inbound);
    expect(inbound.get("x-user-id")).toBe("1");
    expect(names(out)).toEqual(["accept"]);
  });

  it("drops x-user-* and x-auth-* in every case and underscore spelling", () => {
    const out = upstreamRequestHeaders(
      new Headers([
        ["X-User-Id", "1"],
        ["X_User_Id", "2"],
        ["x-USER-id", "3"],
        ["x_user_email", "admin@example.com"],
        ["X-User_Roles", "admin"],
        ["x-user-anything-new", "x"],
        ["X-AUTH-ASSERTION", "forged"],
        ["x_auth_session", "forged"],
        ["x-keep", "kept"],
      ]),
      OPTS,
    );
    expect(names(out)).toEqual(["x-keep"]);
  });

  it("keeps lookalikes that are not in those namespaces", () => {
    const out = upstreamRequestHeaders(new Headers({ "x-userid": "a", "x-users": "b", "x-author": "c", "user-agent": "ua" }), OPTS);
    expect(names(out)).toEqual(["user-agent", "x-author", "x-userid", "x-users"]);
  });

  it("drops forwarding, rewrite and method-override headers the client sends", () => {
    const out = upstreamRequestHeaders(
      new Headers({
        forwarded: "for=1.1.1.1;host=evil",
        "x-forwarded-for": "1.1.1.1",
        "X_Forwarded_Host": "evil.example",
        "x-forwarded-proto": "http",
        "x-forwarded-prefix": "/admin",
        "x-real-ip": "1.1.1.1",
        "true-client-ip": "1.1.1.1",
        "x-client-ip": "1.1.1.1",
        "x-original-url": "/admin",
        "x-original-uri": "/admin",
        "x-rewrite-url": "/admin",
        "x-http-method-override": "DELETE",
        "x-http-method": "DELETE",
        "x_method_override": "DELETE",
        "cf-connecting-ip": "1.1.1.1",
        "cf-ipcountry": "XX",
        "x-request-id": "client-chosen",
        host: "evil.example",
        "content-type": "application/json",
      }),
      OPTS,
    );
    expect(names(out)).toEqual(["content-type"]);
  });

  it("drops authorization unless FORWARD_AUTHORIZATION is on", () => {
    const inbound = new Headers({ authorization: "Bearer abc" });
    expect(upstreamRequestHeaders(inbound, OPTS).get("authorization")).toBeNull();
    expect(upstreamRequestHeaders(inbound, { ...OPTS, forwardAuthorization: true }).get("authorization")).toBe("Bearer abc");
  });

  it("removes only the gateway's cookies, in any position", () => {
    const strip = (cookie: string) => upstreamRequestHeaders(new Headers({ cookie }), OPTS).get("cookie");
    expect(strip("__Host-access=tok; __Secure-refresh=r; app_pref=dark")).toBe("app_pref=dark");
    expect(strip("a=1;__Host-access=tok;b=2")).toBe("a=1; b=2");
    expect(strip("a=1; __host-ACCESS=tok")).toBe("a=1");
    expect(strip(" __Host-access = tok ; a=x=y")).toBe("a=x=y");
    expect(strip("__Host-access=tok; __Secure-refresh=r")).toBeNull();
    expect(strip("access=tok; refresh=r")).toBe("access=tok; refresh=r");
  });

  it("does not let a comma-joined second cookie header smuggle the access cookie", () => {
    const h = new Headers();
    h.append("cookie", "a=1");
    h.append("cookie", "__Host-access=tok; b=2");
    const out = upstreamRequestHeaders(h, OPTS).get("cookie") ?? "";
    expect(out).not.toContain("tok");
    expect(out).toContain("a=1");
    expect(out).toContain("b=2");
    const comma = upstreamRequestHeaders(new Headers({ cookie: "a=1, __Host-access=tok" }), OPTS).get("cookie");
    expect(comma).toBe("a=1");
    expect(upstreamRequestHeaders(new Headers({ cookie: "d=Mon, 01 Jan" }), OPTS).get("cookie")).toBe("d=Mon, 01 Jan");
  });

  it("drops hop-by-hop headers and whatever connection lists", () => {
    const out = upstreamRequestHeaders(
      new Headers({
        connection: "close, X-Custom-Hop , x_other_hop, content-language",
        "keep-alive": "timeout=5",
        te: "trailers",
        trailer: "x-t",
        upgrade: "h2c",
        "proxy-authorization": "Basic eA==",
        "proxy-connection": "keep-alive",
        "x-custom-hop": "gone",
        "x-other-hop": "gone",
        "content-language": "fr",
        "x-keep": "kept",
      }),
      OPTS,
    );
    expect(names(out)).toEqual(["x-keep"]);
  });

  it("keeps upgrade for a WebSocket handshake the caller proxies, even when connection lists it", () => {
    const inbound = new Headers({
      connection: "Upgrade",
      upgrade: "websocket",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      "sec-websocket-version": "13",
    });
    const ws = upstreamRequestHeaders(inbound, { ...OPTS, keepUpgrade: true });
    expect(ws.get("upgrade")).toBe("websocket");
    expect(ws.get("sec-websocket-key")).toBe("dGhlIHNhbXBsZSBub25jZQ==");
    expect(ws.get("connection")).toBeNull();
    expect(upstreamRequestHeaders(inbound, OPTS).get("upgrade")).toBeNull();
  });
});

describe("injectIdentity after stripping", () => {
  it("sets the identity, assertion and forwarding headers", () => {
    const h = forwarded({ accept: "application/json" });
    expect(Object.fromEntries(h)).toEqual({
      accept: "application/json",
      "x-user-id": "42",
      "x-user-email": "ana@example.com",
      "x-user-email-verified": "true",
      "x-user-roles": "user,admin",
      "x-auth-session": "sess-1",
      "x-auth-amr": "pwd,otp,mfa",
      "x-auth-assertion": "h.p.s",
      "x-forwarded-for": "192.0.2.10",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "gw.test",
      "x-request-id": "rid-1",
    });
    expect(forwarded({}, { ...IDENTITY, emailVerified: false }).get("x-user-email-verified")).toBe("false");
  });

  it("a name listed in connection never removes what the gateway injects", () => {
    const h = forwarded({
      connection: "close, x-user-id, x-auth-assertion, x-forwarded-for, x-request-id, x-user-email",
      "x-user-id": "1",
      "x-forwarded-for": "1.1.1.1",
    });
    expect(h.get("x-user-id")).toBe("42");
    expect(h.get("x-user-email")).toBe("ana@example.com");
    expect(h.get("x-auth-assertion")).toBe("h.p.s");
    expect(h.get("x-forwarded-for")).toBe("192.0.2.10");
    expect(h.get("x-request-id")).toBe("rid-1");
  });

  it("each spoofed identity header ends up with exactly one, gateway-set value", () => {
    const h = forwarded([
      ["x-user-id", "1"],
      ["X_User_Id", "2"],
      ["x-user-email", "admin@example.com"],
      ["x-auth-assertion", "forged"],
    ]);
    const entries = [...h].filter(([k]) => k.replace(/_/g, "-").startsWith("x-user-id"));
    expect(entries).toEqual([["x-user-id", "42"]]);
    expect(h.get("x-user-email")).toBe("ana@example.com");
    expect(h.get("x-auth-assertion")).toBe("h.p.s");
  });

  it("an anonymous request carries forwarding headers and no identity at all", () => {
    const h = forwarded({ "x-user-id": "7", "x-forwarded-host": "evil" }, "anonymous");
    expect(names(h)).toEqual(["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-request-id"]);
    expect(h.get("x-forwarded-host")).toBe("gw.test");
  });

  it("removes identity headers already present even if the caller skipped stripping", () => {
    const h = new Headers({ "x-user-id": "1", "x_auth_assertion": "forged", "x-other": "ok" });
    injectIdentity(h, undefined, FORWARDING);
    expect(h.get("x-user-id")).toBeNull();
    expect(h.get("x_auth_assertion")).toBeNull();
    expect(h.get("x-other")).toBe("ok");
  });

  it("percent-encodes non-ASCII identity values, and commas inside a role", () => {
    const h = forwarded({}, { ...IDENTITY, email: "josé@exämple.com", roles: ["a,b", "ünï", "plain"] });
    expect(h.get("x-user-email")).toBe("jos%C3%A9@ex%C3%A4mple.com");
    expect(h.get("x-user-roles")).toBe("a%2Cb,%C3%BCn%C3%AF,plain");
    const roles = (h.get("x-user-roles") ?? "").split(",").map(decodeURIComponent);
    expect(roles).toEqual(["a,b", "ünï", "plain"]);
  });

  it("sends an empty x-user-roles for a user without roles", () => {
    expect(forwarded({}, { ...IDENTITY, roles: [] }).get("x-user-roles")).toBe("");
  });
});

describe("encodeHeaderValue", () => {
  it.each([
    ["ana@example.com", "ana@example.com"],
    ["a+tag@example.com", "a+tag@example.com"],
    ["josé@exämple.com", "jos%C3%A9@ex%C3%A4mple.com"],
    ["用户@例子.广告", "%E7%94%A8%E6%88%B7@%E4%BE%8B%E5%AD%90.%E5%B9%BF%E5%91%8A"],
    ["100%", "100%25"],
    ["a%41", "a%2541"],
    ["two words", "two%20words"],
    ["line\r\nX-Evil: 1", "line%0D%0AX-Evil:%201"],
    ["nul\u0000", "nul%00"],
    ["", ""],
  ])("%j → %j", (value, encoded) => {
    expect(encodeHeaderValue(value)).toBe(encoded);
  });

  it("one decodeURIComponent restores any value exactly, and the result is a legal header value", () => {
    for (const v of ["josé@exämple.com", "100% sure", "%C3%A9 literal", "emoji 🎉", " padded ", "a+b"]) {
      const e = encodeHeaderValue(v);
      expect(e).toMatch(/^[\x21-\x7e]*$/);
      expect(decodeURIComponent(e)).toBe(v);
      expect(() => new Headers({ x: e })).not.toThrow();
    }
  });
});

describe("downstreamResponseHeaders", () => {
  it("drops x-user-*/x-auth-* in any spelling and hop-by-hop headers, keeps the rest", () => {
    const up = new Headers([
      ["x-user-id", "1"],
      ["X_User_Roles", "admin"],
      ["x-auth-assertion", "a"],
      ["connection", "keep-alive, x-internal"],
      ["keep-alive", "timeout=5"],
      ["transfer-encoding", "chunked"],
      ["x-internal", "secret"],
      ["content-type", "text/html"],
      ["location", "/elsewhere"],
      ["cache-control", "no-store"],
    ]);
    expect(names(downstreamResponseHeaders(up, COOKIES))).toEqual(["cache-control", "content-type", "location"]);
  });

  it("drops set-cookie for the gateway's names only, keeping every other cookie separately", () => {
    const up = new Headers();
    up.append("set-cookie", "__Host-access=planted; Path=/; Secure; HttpOnly");
    up.append("set-cookie", "app_session=abc; Path=/; HttpOnly");
    up.append("set-cookie", "__Secure-refresh=; Max-Age=0; Path=/auth");
    up.append("set-cookie", "__HOST-ACCESS=x; Path=/");
    up.append("set-cookie", "theme=dark, light; Path=/");
    const out = downstreamResponseHeaders(up, COOKIES).getSetCookie();
    expect(out).toEqual(["app_session=abc; Path=/; HttpOnly", "theme=dark, light; Path=/"]);
  });

  it("returns a new Headers", () => {
    const up = new Headers({ "content-type": "text/plain" });
    const out = downstreamResponseHeaders(up, COOKIES);
    out.set("x-added", "1");
    expect(up.get("x-added")).toBeNull();
  });
});
