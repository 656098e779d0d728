import { describe, expect, it } from "vitest";
import { cursorCodec } from "../../src/admin/cursor";
import { parseUserPatch } from "../../src/admin/patch-body";
import { likePattern } from "../../src/admin/queries";
import { jtiIssuedMs, newJti } from "../../src/auth/jti";
import { parseConfig } from "../../src/config";
import { parseRoleRules } from "../../src/proxy/role-rules";
import { CONFIG_HEX, configProblems, productionEnv } from "../helpers/config-env";

const BASE = productionEnv();

describe("ROLE_RULES", () => {
  it("first matching rule wins; its roles are alternatives", () => {
    const r = parseRoleRules(" /api/admin/**=admin ; /api/reports/*=admin|analyst;/api/**=user ;");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.size).toBe(3);
    expect(r.rolesFor("/api/admin/users/1")).toEqual(["admin"]);
    expect(r.rolesFor("/api/admin")).toEqual(["user"]);
    expect(r.rolesFor("/api/reports/q3")).toEqual(["admin", "analyst"]);
    expect(r.rolesFor("/api/reports/q3/pdf")).toEqual(["user"]);
    expect(r.rolesFor("/other")).toBeUndefined();
  });

  it("is empty when unset", () => {
    const r = parseRoleRules(undefined);
    expect(r.ok && r.size).toBe(0);
    expect(parseConfig(BASE).roleRules.rolesFor("/api/admin")).toBeUndefined();
  });

  it("names every bad rule in the configuration error", () => {
    const found = configProblems({ ...BASE, ROLE_RULES: "/api/admin/**=admin;api/x=admin;/api/y;/api/z=Admin;/api/w=;/api/v=a||b" });
    expect(found).toHaveLength(5);
    expect(found[0]).toContain('rule 2 ("api/x=admin") has a bad glob');
    expect(found[1]).toContain('rule 3 ("/api/y") must look like <glob>=<role>|<role>');
    expect(found[2]).toContain('rule 4 ("/api/z=Admin") has a bad role');
    expect(found[3]).toContain("rule 5");
    expect(found[4]).toContain("rule 6");
  });

  it("reads ADMIN_REQUIRE_MFA (default true) and RATE_LIMIT_ADMIN (default 300/1m)", () => {
    const c = parseConfig(BASE);
    expect(c.adminRequireMfa).toBe(true);
    expect(c.rateLimits.admin).toEqual({ limit: 300, windowSeconds: 60 });
    expect(parseConfig({ ...BASE, ADMIN_REQUIRE_MFA: "false" }).adminRequireMfa).toBe(false);
    expect(configProblems({ ...BASE, ADMIN_REQUIRE_MFA: "maybe" })).toEqual(["ADMIN_REQUIRE_MFA must be true or false"]);
    expect(configProblems({ ...BASE, RATE_LIMIT_ADMIN: "lots" })[0]).toContain("RATE_LIMIT_ADMIN");
  });
});

describe("UUIDv7 jti", () => {
  it("carries the issuance millisecond within its iat second", () => {
    const now = 1_764_460_800_123;
    const jti = newJti(now);
    expect(jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jtiIssuedMs(jti, Math.floor(now / 1000))).toBe(now);
    expect(newJti(now)).not.toBe(jti);
  });

  it("falls back to iat for other ids and for a jti outside the iat second", () => {
    expect(jtiIssuedMs(crypto.randomUUID(), 1000)).toBe(1_000_000);
    expect(jtiIssuedMs(newJti(5_000_500), 1000)).toBe(1_000_000);
  });
});

describe("page cursors", () => {
  const codec = cursorCodec(CONFIG_HEX);
  it("round-trips within one list and filter", async () => {
    const c = await codec.encode("users", "q=ada", 42);
    expect(await codec.decode("users", "q=ada", c)).toBe(42);
  });

  it("refuses forged, foreign and malformed cursors", async () => {
    const c = await codec.encode("users", "q=ada", 42);
    const [, mac] = c.split(".");
    for (const bad of [`43.${mac}`, "42", "", "x.y", `${c}x`, `0.${mac}`]) {
      await expect(codec.decode("users", "q=ada", bad), bad).rejects.toMatchObject({ code: "validation_failed" });
    }
    await expect(codec.decode("users", "q=bob", c)).rejects.toMatchObject({ code: "validation_failed" });
    await expect(codec.decode("events", "q=ada", c)).rejects.toMatchObject({ code: "validation_failed" });
    await expect(cursorCodec(CONFIG_HEX.replace(/7/g, "9")).decode("users", "q=ada", c)).rejects.toMatchObject({ code: "validation_failed" });
  });
});

describe("admin bodies and searches", () => {
  it("escapes LIKE wildcards", () => {
    expect(likePattern("a%b_c\\d")).toBe("%a\\%b\\_c\\\\d%");
  });

  it("parses a patch", () => {
    expect(parseUserPatch({ roles: ["user", "admin"], account_status: "disabled", email_verified: false })).toEqual({
      roles: ["user", "admin"],
      accountStatus: "disabled",
      emailVerified: false,
    });
    expect(() => parseUserPatch({ roles: ["ok"], extra: 1 })).toThrow();
  });
});
