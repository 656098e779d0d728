import { describe, expect, it } from "vitest";
import { ConfigError, getConfig, parseConfig, parsePolicy } from "../../src/config";
import { CONFIG_HEX, configProblems, productionEnv } from "../helpers/config-env";

const BASE = productionEnv();

describe("parseConfig", () => {
  it("applies API.md's defaults", () => {
    const c = parseConfig(BASE);
    expect(c.accessTokenTtl).toBe(900);
    expect(c.refreshTokenTtl).toBe(604800);
    expect(c.sessionMaxAge).toBe(2592000);
    expect(c.refreshReuseGrace).toBe(10);
    expect(c.bcryptCost).toBe(12);
    expect(c.jwtIssuer).toBe("https://auth.example.com");
    expect(parseConfig({ ...BASE, PUBLIC_URL: "https://auth.example.com/gw/" }).jwtIssuer).toBe("https://auth.example.com/gw/");
    expect(c.jwtAudience).toBe("api");
    expect(c.upstreamAudience).toBe("upstream");
    expect(c.upstreamTimeoutMs).toBe(30000);
    expect(c.authMode).toBe("required");
    expect(c.publicPaths("/health")).toBe(true);
    expect(c.publicPaths("/api")).toBe(false);
    expect(c.rateLimits.login).toEqual({ limit: 5, windowSeconds: 900 });
    expect(c.rateLimits.register).toEqual({ limit: 3, windowSeconds: 3600 });
    expect(c.rateLimits.refresh).toEqual({ limit: 10, windowSeconds: 3600 });
    expect(c.rateLimits.forgotIp).toEqual({ limit: 5, windowSeconds: 3600 });
    expect(c.rateLimits.forgotEmail).toEqual({ limit: 3, windowSeconds: 3600 });
    expect(c.rateLimits.verify).toEqual({ limit: 5, windowSeconds: 3600 });
    expect(c.rateLimits.api).toBeUndefined();
    expect(c.lockoutThreshold).toBe(10);
    expect(c.lockoutSeconds).toBe(900);
    expect(c.mailTransport).toBe("log");
    expect(c.cookies).toEqual({ secure: true, accessName: "__Host-access", refreshName: "__Secure-refresh" });
  });

  it("names every problem in one error", () => {
    const found = configProblems({
      ENVIRONMENT: "production",
      PUBLIC_URL: "http://auth.example.com",
      JWT_SECRET: "short",
      ACCESS_TOKEN_TTL: "ten",
      RATE_LIMIT_LOGIN: "lots",
      AUTH_MODE: "sometimes",
      MAIL_TRANSPORT: "webhook",
    });
    expect(found).toEqual(
      expect.arrayContaining([
        "PUBLIC_URL must use https in production",
        expect.stringContaining("JWT_SECRET must be at least 32 bytes"),
        "PASSWORD_PEPPER is required",
        "UPSTREAM_SECRET is required",
        "DATABASE_URL is required",
        "UPSTREAM_URL is required",
        expect.stringContaining("ACCESS_TOKEN_TTL"),
        expect.stringContaining("RATE_LIMIT_LOGIN"),
        expect.stringContaining("AUTH_MODE"),
        expect.stringContaining("MAIL_WEBHOOK_URL"),
        expect.stringContaining("MAIL_WEBHOOK_SECRET"),
      ]),
    );
    expect(found.join(" ")).not.toContain("short");
  });

  it("refuses weak secrets and a low bcrypt cost in production only", () => {
    const weak = { ...BASE, JWT_SECRET: "a".repeat(64), BCRYPT_COST: "10" };
    expect(configProblems(weak)).toEqual(
      expect.arrayContaining([expect.stringContaining("JWT_SECRET is too weak"), expect.stringContaining("BCRYPT_COST")]),
    );
    expect(configProblems({ ...weak, ENVIRONMENT: "development" })).toEqual([]);
  });

  it("reads the MFA settings: MFA_PATHS globs, MFA_ISSUER, encryption keys (strong and required in production)", () => {
    const c = parseConfig(BASE);
    expect(c.mfaPaths("/admin")).toBe(false);
    expect(c.mfaIssuer).toBe("auth.example.com");
    // The default issuer is the host name without a port: an issuer (and the otpauth label's
    // "issuer:account" prefix) must not hold a colon, which authenticator apps read as the separator.
    expect(parseConfig({ ...BASE, ENVIRONMENT: "development", PUBLIC_URL: "http://127.0.0.1:8787" }).mfaIssuer).toBe("127.0.0.1");
    expect(c.mfaEncryptionKey).toBe(BASE.MFA_ENCRYPTION_KEY);
    const set = parseConfig({ ...BASE, MFA_PATHS: "/admin/**, /billing/*", MFA_ISSUER: "TDAH Assistant", MFA_PREVIOUS_ENCRYPTION_KEYS: CONFIG_HEX });
    expect(set.mfaPaths("/admin/users/1")).toBe(true);
    expect(set.mfaPaths("/billing/x")).toBe(true);
    expect(set.mfaPaths("/billing/x/y")).toBe(false);
    expect(set.mfaIssuer).toBe("TDAH Assistant");
    expect(set.mfaPreviousEncryptionKeys).toEqual([CONFIG_HEX]);
    const { MFA_ENCRYPTION_KEY: _key, ...without } = BASE;
    expect(configProblems(without)).toEqual(["MFA_ENCRYPTION_KEY is required"]);
    expect(configProblems({ ...BASE, MFA_ENCRYPTION_KEY: "b".repeat(64) })).toEqual([expect.stringContaining("MFA_ENCRYPTION_KEY is too weak")]);
    expect(configProblems({ ...BASE, MFA_ENCRYPTION_KEY: "short" })).toEqual([expect.stringContaining("MFA_ENCRYPTION_KEY must be at least 32 bytes")]);
    expect(configProblems({ ...BASE, MFA_PATHS: "admin" })).toEqual([expect.stringContaining("MFA_PATHS")]);
    // Development may leave it unset: a key is derived from JWT_SECRET.
    const dev = parseConfig({ ...without, ENVIRONMENT: "development" });
    expect(dev.mfaEncryptionKey).not.toBe("");
    expect(dev.mfaEncryptionKey).not.toBe(BASE.JWT_SECRET);
  });

  it("uses prefix-less, non-Secure cookie names on plain-http development only", () => {
    const dev = parseConfig({ ...BASE, ENVIRONMENT: "development", PUBLIC_URL: "http://127.0.0.1:8787" });
    expect(dev.cookies).toEqual({ secure: false, accessName: "access", refreshName: "refresh" });
    const devTls = parseConfig({ ...BASE, ENVIRONMENT: "development", PUBLIC_URL: "https://localhost:8787" });
    expect(devTls.cookies.accessName).toBe("__Host-access");
  });

  it("parses lists, globs, booleans and the optional API limit", () => {
    const c = parseConfig({
      ...BASE,
      ALLOWED_ORIGINS: "https://app.example.com, https://admin.example.com/",
      PUBLIC_PATHS: "/health,/webhooks/twilio/**,/static/*.css",
      FORWARD_AUTHORIZATION: "true",
      RATE_LIMIT_API: "600/1m",
      JWT_PREVIOUS_SECRETS: `${CONFIG_HEX.replace(/a/g, "b")},${CONFIG_HEX.replace(/c/g, "d")}`,
    });
    expect([...c.allowedOrigins]).toEqual(["https://app.example.com", "https://admin.example.com"]);
    expect(c.publicPaths("/webhooks/twilio/sms/inbound")).toBe(true);
    expect(c.publicPaths("/static/site.css")).toBe(true);
    expect(c.publicPaths("/static/a/site.css")).toBe(false);
    expect(c.forwardAuthorization).toBe(true);
    expect(c.rateLimits.api).toEqual({ limit: 600, windowSeconds: 60 });
    expect(c.jwtPreviousSecrets).toHaveLength(2);
  });

  it("parses policies", () => {
    expect(parsePolicy("5/15m")).toEqual({ limit: 5, windowSeconds: 900 });
    expect(parsePolicy("10/h")).toEqual({ limit: 10, windowSeconds: 3600 });
    expect(parsePolicy("100/1d")).toEqual({ limit: 100, windowSeconds: 86400 });
    expect(parsePolicy("0/1h")).toBeUndefined();
    expect(parsePolicy("5 per hour")).toBeUndefined();
  });

  it("caches per env object and re-throws the same error", () => {
    const env = { ...BASE };
    expect(getConfig(env)).toBe(getConfig(env));
    const bad = {};
    expect(() => getConfig(bad)).toThrow(ConfigError);
    expect(() => getConfig(bad)).toThrow(/PUBLIC_URL is required/);
  });
});
