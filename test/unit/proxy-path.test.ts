import { describe, expect, it } from "vitest";
import { compileGlobs } from "../../src/proxy/globs";
import { normalizePath, splitPathAndQuery } from "../../src/proxy/path";

function path(raw: string): string | undefined {
  const r = normalizePath(raw);
  return r.ok ? r.path : undefined;
}

/** What the Worker really gets: the path of a URL workerd has parsed. */
function viaUrl(raw: string): string | undefined {
  return path(splitPathAndQuery(new Request(`https://gw.test${raw}`).url).path);
}

describe("normalizePath: accepted and normalised", () => {
  it.each([
    ["/", "/"],
    ["", "/"],
    ["/api/users", "/api/users"],
    ["/api/users/", "/api/users/"],
    ["//api///users", "/api/users"],
    ["/a/./b", "/a/b"],
    ["/a/b/..", "/a/"],
    ["/a/b/../c", "/a/c"],
    ["/a/.", "/a/"],
    ["/..", "/"],
    ["/../../etc/passwd", "/etc/passwd"],
    ["/public//x/./y/../m/%7Euser", "/public/x/m/~user"],
    ["/%41%62%63-%2D%5f%2e", "/Abc--_."],
    ["/a%20b", "/a%20b"],
    ["/a%3fb", "/a%3Fb"],
    ["/caf%c3%a9", "/caf%C3%A9"],
    ["/file%252ename", "/file%252ename"],
    ["/a/.hidden/..x", "/a/.hidden/..x"],
  ])("%s → %s", (raw, expected) => {
    expect(path(raw)).toBe(expected);
  });

  it("resolves encoded dot segments like literal ones, never above the root", () => {
    expect(path("/public/%2e%2e/admin")).toBe("/admin");
    expect(path("/public/.%2E/admin")).toBe("/admin");
    expect(path("/public/%2e/admin")).toBe("/public/admin");
    expect(path("/%2e%2e/%2e%2e/admin")).toBe("/admin");
  });

  it("is idempotent", () => {
    for (const raw of ["/public//x/./y/../m/%7Euser", "/a%3fb/%c3%a9/", "/x/%2e%2e/y"]) {
      const once = path(raw);
      expect(once).toBeDefined();
      expect(path(once as string)).toBe(once);
    }
  });
});

describe("normalizePath: refused", () => {
  it.each([
    ["encoded slash", "/api/a%2fb"],
    ["encoded slash, upper case", "/api/a%2Fb"],
    ["dots then encoded slash", "/public/..%2fapi"],
    ["encoded dots and slash", "/public/%2e%2e%2fapi"],
    ["encoded backslash", "/api/%5cadmin"],
    ["encoded backslash, upper case", "/api/%5Cadmin"],
    ["raw backslash", "/api\\admin"],
    ["double-encoded dot segment", "/public/%252e%252e/admin"],
    ["double-encoded single dot", "/public/%252e/admin"],
    ["triple-encoded dot segment", "/public/%25252e%25252e/admin"],
    ["mixed double-encoded dots", "/public/.%252e/admin"],
    ["double-encoded slash", "/public/%252fadmin"],
    ["double-encoded backslash", "/public/%255cadmin"],
    ["NUL", "/api/a%00b"],
    ["double-encoded NUL", "/api/a%2500b"],
    ["encoded control char", "/api/a%0ab"],
    ["encoded tab", "/api/%09"],
    ["encoded DEL", "/api/%7f"],
    ["raw control char", "/api/a\u0001b"],
    ["raw space", "/api/a b"],
    ["raw non-ASCII", "/café"],
    ["malformed escape", "/api/%zz"],
    ["truncated escape", "/api/%2"],
    ["dot segment with a path parameter", "/public/..;/admin"],
    ["relative path", "api/users"],
    ["absurdly deep encoding", `/x%${"25".repeat(12)}41`],
  ])("%s: %s", (_name, raw) => {
    expect(normalizePath(raw)).toEqual({ ok: false });
  });

  it("never lets a refused path's leftovers reach a public-path match", () => {
    const isPublic = compileGlobs(["/public/**"]);
    expect(isPublic("/public/%2e%2e/admin")).toBe(true);
    expect(isPublic(path("/public/%2e%2e/admin") as string)).toBe(false);
    expect(normalizePath("/public/%252e%252e/admin").ok).toBe(false);
  });
});

describe("normalizePath on what workerd's URL parser hands over", () => {
  it("the parser has already resolved literal and %2e dot segments and turned \\ into /", () => {
    expect(new URL("https://gw.test/public/%2e%2e/admin").pathname).toBe("/admin");
    expect(new URL("https://gw.test/public/..\\admin").pathname).toBe("/admin");
    expect(viaUrl("/public/%2e%2e/admin")).toBe("/admin");
    expect(viaUrl("/public\\..\\admin")).toBe("/admin");
    expect(viaUrl("/a/b/\\/c")).toBe("/a/b/c");
  });

  it("encoded slash, backslash, NUL and double-encoded dots survive the parser and are refused", () => {
    for (const raw of ["/public/%2e%2e%2fadmin", "/api/%5c", "/a%00", "/public/%252e%252e/admin", "/api/a%2fb"]) {
      expect(new URL(`https://gw.test${raw}`).pathname, raw).toBe(raw);
      expect(viaUrl(raw), raw).toBeUndefined();
    }
  });

  it("tabs and newlines are dropped by the parser, not smuggled", () => {
    expect(viaUrl("/ad\tmin/\n..")).toBe("/");
  });

  it("characters the parser escapes come through as escapes", () => {
    expect(viaUrl("/a b/é")).toBe("/a%20b/%C3%A9");
  });
});

describe("splitPathAndQuery", () => {
  it.each([
    ["https://gw.test/a/b?x=%20y#frag", "/a/b", "?x=%20y"],
    ["https://gw.test", "/", ""],
    ["https://gw.test?q=1", "/", "?q=1"],
    ["https://gw.test/a#x?y", "/a", ""],
    ["/only?q=/../%2f", "/only", "?q=/../%2f"],
    ["/p/%2e%2e?", "/p/%2e%2e", "?"],
    ["https://user:pw@gw.test:8443//x//y?z", "//x//y", "?z"],
  ])("%s", (url, p, q) => {
    expect(splitPathAndQuery(url)).toEqual({ path: p, query: q });
  });

  it("leaves the query untouched whatever it holds", () => {
    const { path: p, query } = splitPathAndQuery("https://gw.test/public?next=%2F%2Fevil&x=..%2f..");
    expect(p).toBe("/public");
    expect(query).toBe("?next=%2F%2Fevil&x=..%2f..");
  });
});
