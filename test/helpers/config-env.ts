/**
 * Raw environments for parseConfig unit tests: a valid production-like one
 * (every required secret strong and distinct), a valid development one, and
 * the problems a raw environment is refused with.
 *
 * @example
 * expect(configProblems(productionEnv({ ADMIN_REQUIRE_MFA: "maybe" }))).toEqual(["ADMIN_REQUIRE_MFA must be true or false"]);
 */
import { ConfigError, parseConfig } from "../../src/config";

/** A 64-hex secret; the production env's other secrets are distinct variations of it. */
export const CONFIG_HEX = "7f1c0a9e3b5d48e2a6c4f0b19d2e7a3c5b8f1d0e4a7c2b9f6e3d1a0c8b5f2e7d";

const PRODUCTION = {
  ENVIRONMENT: "production",
  PUBLIC_URL: "https://auth.example.com",
  DATABASE_URL: "postgres://u:p@db.example.com/app",
  JWT_SECRET: CONFIG_HEX,
  PASSWORD_PEPPER: CONFIG_HEX.split("").reverse().join(""),
  UPSTREAM_SECRET: CONFIG_HEX.replace(/7/g, "8"),
  UPSTREAM_URL: "https://app.internal.example.com",
  MFA_ENCRYPTION_KEY: CONFIG_HEX.replace(/a/g, "b"),
};

const DEVELOPMENT = {
  ENVIRONMENT: "development",
  PUBLIC_URL: "https://gateway.test",
  DATABASE_URL: "postgres://u:p@127.0.0.1/app",
  JWT_SECRET: CONFIG_HEX,
  PASSWORD_PEPPER: "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe",
  UPSTREAM_SECRET: "a3f5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5",
  UPSTREAM_URL: "http://127.0.0.1:9",
};

export type ProductionEnv = typeof PRODUCTION;
export type DevelopmentEnv = typeof DEVELOPMENT;

/** A production environment parseConfig accepts, with `overrides` on top. */
export function productionEnv(overrides: Record<string, string> = {}): ProductionEnv & Record<string, string> {
  return { ...PRODUCTION, ...overrides };
}

/** A development environment parseConfig accepts, with `overrides` on top. */
export function developmentEnv(overrides: Record<string, string> = {}): DevelopmentEnv & Record<string, string> {
  return { ...DEVELOPMENT, ...overrides };
}

/** The problems parseConfig names for `env` (empty when it accepts it); other errors are thrown. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}
