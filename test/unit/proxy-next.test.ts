import { describe, expect, it } from "vitest";
import { loginRedirectUrl, safeNextPath } from "../../src/proxy/next";

/** Where a browser would go if it followed `next` from a page on gw.test. */
function resolvedOrigin(next: string): string {
  return new URL(next, "https://gw.test/login").origin;
}

describe("safeNextPath", () => {
  it.each([
    "/",
    "/dashboard",
    "/dashboard?tab=2",
    "/a/b/c?x=1&y=%2F%2Fevil.com",
    "/search?q=a%20b",
    "/caf%C3%A9",
    "/path;param",
    "/a//b",
  ])("keeps the same-origin path %s unchanged", (candidate) => {
    expect(safeNextPath(candidate)).toBe(candidate);
    expect(resolvedOrigin(candidate)).toBe("https://gw.test");
  });

  it.each([
    ["undefined", undefined],
    ["empty", ""],
    ["protocol-relative", "//evil.com"],
    ["protocol-relative with path", "//evil.com/dashboard"],
    ["slash-backslash", "/\\evil.com"],
    ["backslash-slash", "\\/evil.com"],
    ["backslash later in the path", "/a\\..\\..\\evil"],
    ["absolute URL", "https://evil.com/"],
    ["javascript scheme", "javascript:alert(1)"],
    ["data scheme", "data:text/html,<script>alert(1)</script>"],
    ["no leading slash", "dashboard"],
    ["leading space", " /dashboard"],
    ["tab smuggling", "/\t/evil.com"],
    ["newline smuggling", "/\n/evil.com"],
    ["NUL", "/a\u0000"],
    ["encoded double slash", "/%2F%2Fevil.com"],
    ["encoded double slash, lower case", "/%2f%2fevil.com"],
    ["encoded slash after the slash", "/%2Fevil.com"],
    ["encoded backslash", "/%5Cevil.com"],
    ["encoded backslash later", "/a/%5c"],
    ["encoded tab", "/%09/evil.com"],
    ["encoded newline", "/%0a/evil.com"],
    ["encoded NUL", "/x%00"],
    ["double-encoded slashes", "/%252F%252Fevil.com"],
    ["double-encoded backslash", "/%255Cevil.com"],
    ["encoded whole URL", "%2F%2Fevil.com"],
    ["malformed escape", "/%E0%A4%A"],
    ["too long", `/${"a".repeat(3000)}`],
  ])("drops %s", (_name, candidate) => {
    expect(safeNextPath(candidate)).toBeUndefined();
  });

  it("everything it keeps stays on the gateway's origin at every decoding depth", () => {
    for (const candidate of ["/x?next=%252F%252Fevil", "/a%2520b", "/ok"]) {
      const kept = safeNextPath(candidate);
      expect(kept).toBe(candidate);
      let v = candidate;
      for (let i = 0; i < 3; i++) {
        expect(resolvedOrigin(v)).toBe("https://gw.test");
        v = decodeURIComponent(v);
      }
    }
  });
});

describe("loginRedirectUrl", () => {
  it("appends next, URL-encoded, as the query", () => {
    expect(loginRedirectUrl("/login", "/dashboard?tab=2")).toBe(`/login?next=${encodeURIComponent("/dashboard?tab=2")}`);
    expect(loginRedirectUrl("https://app.example.com/login", "/a b")).toBe("https://app.example.com/login?next=%2Fa%20b");
  });

  it("joins an existing query with & and keeps a fragment last", () => {
    expect(loginRedirectUrl("/login?lang=fr", "/a")).toBe("/login?lang=fr&next=%2Fa");
    expect(loginRedirectUrl("/login?", "/a")).toBe("/login?next=%2Fa");
    expect(loginRedirectUrl("/login#form", "/a")).toBe("/login?next=%2Fa#form");
  });

  it("gives LOGIN_URL alone when next is missing or unsafe", () => {
    expect(loginRedirectUrl("/login", undefined)).toBe("/login");
    expect(loginRedirectUrl("/login", "//evil.com")).toBe("/login");
    expect(loginRedirectUrl("/login", "/%2F%2Fevil.com")).toBe("/login");
  });

  it("the login page reading next back gets exactly the kept path", () => {
    const url = new URL(loginRedirectUrl("https://gw.test/login", "/a?b=1&c=%2F"));
    expect(url.searchParams.get("next")).toBe("/a?b=1&c=%2F");
    expect([...url.searchParams.keys()]).toEqual(["next"]);
  });
});
