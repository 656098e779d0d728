/**
 * The gateway's configuration: every variable of API.md "Configuration",
 * parsed and validated once per isolate (cached per `env` object), with one
 * error that names every problem.
 *
 * @example
 * const config = getConfig(env); // throws ConfigError listing all problems
 */
import { ConfigError, checkSecret, parsePolicy, Reader, type RawEnv } from "./config-reader";
import { parseTheme } from "./pages/theme";
import { compileGlobs, type PathMatcher } from "./proxy/globs";
import { signingConfig, type SigningConfig } from "./auth/signing-config";
import { NO_ROLE_RULES, parseRoleRules, type RoleRules } from "./proxy/role-rules";

export { ConfigError, parsePolicy, type RawEnv };

export type Environment = "production" | "development";
export type AuthMode = "required" | "optional";
export type MailTransport = "log" | "webhook" | "resend";

export interface RatePolicy {
  limit: number;
  windowSeconds: number;
}

export interface Config {
  environment: Environment;
  isDevelopment: boolean;
  publicUrl: string;
  publicOrigin: string;
  databaseUrl: string;
  /** ws:// address of the local WebSocket-to-TCP bridge; unset against Neon. */
  databaseWsProxy?: string;
  /** Query timeout for Postgres, ms. */
  databaseTimeoutMs: number;
  /** Connection set-up timeout, ms: long enough for a Neon compute waking from scale-to-zero. */
  databaseConnectTimeoutMs: number;
  /** Pipeline start-up, cleartext password and the first query (Neon's `pipelineConnect: "password"`). */
  databasePipelineConnect: boolean;
  jwtSecret: string;
  jwtPreviousSecrets: string[];
  /** JWT_ALGORITHM, JWT_PRIVATE_KEY, JWT_PREVIOUS_PUBLIC_KEYS (HS256 by default). */
  signing: SigningConfig;
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  sessionMaxAge: number;
  refreshReuseGrace: number;
  passwordPepper: string;
  passwordPreviousPeppers: string[];
  bcryptCost: number;
  upstreamUrl: string;
  upstreamSecret: string;
  upstreamAudience: string;
  upstreamTimeoutMs: number;
  forwardAuthorization: boolean;
  authMode: AuthMode;
  publicPaths: PathMatcher;
  /** MFA_PATHS: protected paths that need a session whose `amr` holds "mfa". */
  mfaPaths: PathMatcher;
  /** MFA_ISSUER: the issuer name authenticator apps show [the host name of PUBLIC_URL, no port]. */
  mfaIssuer: string;
  /**
   * MFA_ENCRYPTION_KEY (encrypts TOTP secrets) and MFA_PREVIOUS_ENCRYPTION_KEYS
   * (still decrypt). Unset in development only: derived from JWT_SECRET.
   */
  mfaEncryptionKey: string;
  mfaPreviousEncryptionKeys: string[];
  allowedOrigins: ReadonlySet<string>;
  /** Where browser navigations without a token go; undefined when LOGIN_URL=none. */
  loginUrl?: string;
  /** PAGES_THEME as CSS (`:root{--accent:...}`), "" for the default look. */
  pagesTheme: string;
  requireEmailVerification: boolean;
  rateLimits: {
    login: RatePolicy;
    register: RatePolicy;
    refresh: RatePolicy;
    refreshIp: RatePolicy;
    /** Token-bearing link endpoints (password reset, email verify) per IP. */
    linkIp: RatePolicy;
    healthIp: RatePolicy;
    forgotIp: RatePolicy;
    forgotEmail: RatePolicy;
    verify: RatePolicy;
    api?: RatePolicy;
    admin: RatePolicy;
  };
  lockoutThreshold: number;
  lockoutSeconds: number;
  mailTransport: MailTransport;
  mailWebhookUrl?: string;
  mailWebhookSecret?: string;
  mailFrom: string;
  resendApiKey?: string;
  /** Account events webhook (API.md "Account events webhook"); both set or neither. */
  eventsWebhookUrl?: string;
  eventsWebhookSecret?: string;
  /** First retry delay of a failed delivery, doubled per attempt (capped at an hour). */
  deliveryRetryBaseSeconds: number;
  auditRetentionDays: number;
  /** The admin API also needs a session with MFA (`amr` holds `mfa`). */
  adminRequireMfa: boolean;
  /** ROLE_RULES, parsed once: roles a protected path requires at the edge. */
  roleRules: RoleRules;
  cookies: {
    secure: boolean;
    accessName: string;
    refreshName: string;
  };
}

/** Parses and validates the environment; throws one ConfigError naming every problem. */
export function parseConfig(env: RawEnv): Config {
  const r = new Reader(env);
  const environment = r.oneOf<Environment>("ENVIRONMENT", ["production", "development"], "production");
  const production = environment === "production";

  const publicUrlRaw = r.required("PUBLIC_URL");
  const publicUrl = r.url("PUBLIC_URL", publicUrlRaw || undefined);
  if (publicUrl && production && publicUrl.protocol !== "https:") {
    r.problems.push("PUBLIC_URL must use https in production");
  }
  const secure = publicUrl ? publicUrl.protocol === "https:" || production : production;

  const jwtSecret = r.required("JWT_SECRET");
  checkSecret(r, "JWT_SECRET", jwtSecret, production);
  const jwtPreviousSecrets = r.list("JWT_PREVIOUS_SECRETS");
  jwtPreviousSecrets.forEach((s, i) => checkSecret(r, `JWT_PREVIOUS_SECRETS[${i}]`, s, false));

  const signing = signingConfig(r);

  const passwordPepper = r.required("PASSWORD_PEPPER");
  checkSecret(r, "PASSWORD_PEPPER", passwordPepper, production);
  const upstreamSecret = r.required("UPSTREAM_SECRET");
  checkSecret(r, "UPSTREAM_SECRET", upstreamSecret, production);

  const mfaKeyRaw = r.str("MFA_ENCRYPTION_KEY");
  if (mfaKeyRaw === undefined && production) r.problems.push("MFA_ENCRYPTION_KEY is required");
  if (mfaKeyRaw !== undefined) checkSecret(r, "MFA_ENCRYPTION_KEY", mfaKeyRaw, production);
  const mfaPreviousEncryptionKeys = r.list("MFA_PREVIOUS_ENCRYPTION_KEYS");
  mfaPreviousEncryptionKeys.forEach((s, i) => checkSecret(r, `MFA_PREVIOUS_ENCRYPTION_KEYS[${i}]`, s, false));

  const databaseUrl = r.required("DATABASE_URL");
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    r.problems.push("DATABASE_URL must be a postgres:// URL");
  }
  const databaseWsProxy = r.str("DATABASE_WS_PROXY");
  if (databaseWsProxy && production) r.problems.push("DATABASE_WS_PROXY is for local development only");

  const upstreamRaw = r.str("UPSTREAM_URL") ?? (production ? undefined : "http://127.0.0.1:8000");
  if (upstreamRaw === undefined) r.problems.push("UPSTREAM_URL is required");
  const upstreamUrl = r.url("UPSTREAM_URL", upstreamRaw);

  const loginUrlSetting = r.str("LOGIN_URL") ?? "/auth/login";
  const loginUrlRaw = loginUrlSetting.toLowerCase() === "none" ? undefined : loginUrlSetting;
  if (loginUrlRaw && !loginUrlRaw.startsWith("/")) r.url("LOGIN_URL", loginUrlRaw);
  const theme = parseTheme(r.str("PAGES_THEME"));
  if (!theme.ok) r.problems.push(theme.problem);

  const origins = new Set<string>();
  for (const o of r.list("ALLOWED_ORIGINS")) {
    const u = r.url("ALLOWED_ORIGINS", o);
    if (u) origins.add(u.origin);
  }

  const mailTransport = r.oneOf<MailTransport>("MAIL_TRANSPORT", ["log", "webhook", "resend"], "log");
  const mailWebhookUrl = r.url("MAIL_WEBHOOK_URL", r.str("MAIL_WEBHOOK_URL"))?.toString();
  const mailWebhookSecret = r.str("MAIL_WEBHOOK_SECRET");
  const resendApiKey = r.str("RESEND_API_KEY");
  if (mailTransport === "webhook") {
    if (!mailWebhookUrl) r.problems.push("MAIL_WEBHOOK_URL is required when MAIL_TRANSPORT=webhook");
    if (!mailWebhookSecret) r.problems.push("MAIL_WEBHOOK_SECRET is required when MAIL_TRANSPORT=webhook");
    else checkSecret(r, "MAIL_WEBHOOK_SECRET", mailWebhookSecret, production);
  }
  if (mailTransport === "resend" && !resendApiKey) {
    r.problems.push("RESEND_API_KEY is required when MAIL_TRANSPORT=resend");
  }

  const eventsWebhookUrl = r.url("EVENTS_WEBHOOK_URL", r.str("EVENTS_WEBHOOK_URL"))?.toString();
  const eventsWebhookSecret = r.str("EVENTS_WEBHOOK_SECRET");
  if (r.str("EVENTS_WEBHOOK_URL") && !eventsWebhookSecret) {
    r.problems.push("EVENTS_WEBHOOK_SECRET is required when EVENTS_WEBHOOK_URL is set");
  } else if (eventsWebhookSecret) {
    if (!r.str("EVENTS_WEBHOOK_URL")) r.problems.push("EVENTS_WEBHOOK_URL is required when EVENTS_WEBHOOK_SECRET is set");
    checkSecret(r, "EVENTS_WEBHOOK_SECRET", eventsWebhookSecret, production);
  }

  const publicPathsRaw = r.str("PUBLIC_PATHS") ?? "/health";
  let publicPaths: PathMatcher = () => false;
  try {
    publicPaths = compileGlobs(publicPathsRaw.split(",").map((s) => s.trim()).filter(Boolean));
  } catch {
    r.problems.push("PUBLIC_PATHS must be comma-separated paths starting with / (globs * and **)");
  }

  const roleRulesParsed = parseRoleRules(r.str("ROLE_RULES"));
  if (!roleRulesParsed.ok) r.problems.push(...roleRulesParsed.problems);

  let mfaPaths: PathMatcher = () => false;
  try {
    mfaPaths = compileGlobs(r.list("MFA_PATHS"));
  } catch {
    r.problems.push("MFA_PATHS must be comma-separated paths starting with / (globs * and **)");
  }

  const apiPolicyRaw = r.str("RATE_LIMIT_API");
  const config: Config = {
    environment,
    isDevelopment: !production,
    publicUrl: publicUrl ? publicUrl.origin + publicUrl.pathname.replace(/\/+$/, "") : "",
    publicOrigin: publicUrl?.origin ?? "",
    databaseUrl,
    databaseWsProxy,
    databaseTimeoutMs: r.int("DATABASE_TIMEOUT_MS", 5000, 100, 60000),
    databaseConnectTimeoutMs: r.int("DATABASE_CONNECT_TIMEOUT_MS", 5000, 100, 60000),
    databasePipelineConnect: r.oneOf("DATABASE_PIPELINE_CONNECT", ["password", "off"], "password") === "password",
    jwtSecret,
    jwtPreviousSecrets,
    signing,
    jwtIssuer: r.str("JWT_ISSUER") ?? (publicUrlRaw || ""),
    jwtAudience: r.str("JWT_AUDIENCE") ?? "api",
    accessTokenTtl: r.int("ACCESS_TOKEN_TTL", 900, 1, 86400),
    refreshTokenTtl: r.int("REFRESH_TOKEN_TTL", 604800, 60, 31536000),
    sessionMaxAge: r.int("SESSION_MAX_AGE", 2592000, 60, 31536000),
    refreshReuseGrace: r.int("REFRESH_REUSE_GRACE", 10, 0, 300),
    passwordPepper,
    passwordPreviousPeppers: r.list("PASSWORD_PREVIOUS_PEPPERS"),
    bcryptCost: r.int("BCRYPT_COST", 12, production ? 12 : 4, 16),
    upstreamUrl: upstreamUrl ? upstreamUrl.toString().replace(/\/+$/, "") : "",
    upstreamSecret,
    upstreamAudience: r.str("UPSTREAM_AUDIENCE") ?? "upstream",
    upstreamTimeoutMs: r.int("UPSTREAM_TIMEOUT_MS", 30000, 1, 600000),
    forwardAuthorization: r.bool("FORWARD_AUTHORIZATION", false),
    authMode: r.oneOf<AuthMode>("AUTH_MODE", ["required", "optional"], "required"),
    publicPaths,
    mfaPaths,
    mfaIssuer: r.str("MFA_ISSUER") ?? publicUrl?.hostname ?? "",
    mfaEncryptionKey: mfaKeyRaw ?? `development-mfa-key:${jwtSecret}`,
    mfaPreviousEncryptionKeys,
    allowedOrigins: origins,
    loginUrl: loginUrlRaw,
    pagesTheme: theme.ok ? theme.css : "",
    requireEmailVerification: r.bool("REQUIRE_EMAIL_VERIFICATION", false),
    rateLimits: {
      login: r.policy("RATE_LIMIT_LOGIN", "5/15m"),
      register: r.policy("RATE_LIMIT_REGISTER", "3/1h"),
      refresh: r.policy("RATE_LIMIT_REFRESH", "10/1h"),
      refreshIp: r.policy("RATE_LIMIT_REFRESH_IP", "300/1h"),
      linkIp: r.policy("RATE_LIMIT_LINK_IP", "20/1h"),
      healthIp: r.policy("RATE_LIMIT_HEALTH_IP", "60/1m"),
      forgotIp: r.policy("RATE_LIMIT_FORGOT_IP", "5/1h"),
      forgotEmail: r.policy("RATE_LIMIT_FORGOT_EMAIL", "3/1h"),
      verify: r.policy("RATE_LIMIT_VERIFY", "5/1h"),
      api: apiPolicyRaw && apiPolicyRaw !== "off" ? r.policy("RATE_LIMIT_API", "600/1m") : undefined,
      admin: r.policy("RATE_LIMIT_ADMIN", "300/1m"),
    },
    lockoutThreshold: r.int("LOCKOUT_THRESHOLD", 10, 1, 1000),
    lockoutSeconds: r.int("LOCKOUT_SECONDS", 900, 1, 86400 * 30),
    mailTransport,
    mailWebhookUrl,
    mailWebhookSecret,
    mailFrom: r.str("MAIL_FROM") ?? "TDAH Assistant <no-reply@localhost>",
    resendApiKey,
    eventsWebhookUrl,
    eventsWebhookSecret,
    deliveryRetryBaseSeconds: r.int("DELIVERY_RETRY_BASE_SECONDS", 10, 0, 3600),
    auditRetentionDays: r.int("AUDIT_RETENTION_DAYS", 90, 1, 3650),
    adminRequireMfa: r.bool("ADMIN_REQUIRE_MFA", true),
    roleRules: roleRulesParsed.ok ? roleRulesParsed : NO_ROLE_RULES,
    cookies: {
      secure,
      accessName: secure ? "__Host-access" : "access",
      refreshName: secure ? "__Secure-refresh" : "refresh",
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

const cache = new WeakMap<object, Config | ConfigError>();

/** The parsed configuration for this `env` object, parsed once per isolate. */
export function getConfig(env: object): Config {
  let hit = cache.get(env);
  if (!hit) {
    try {
      hit = parseConfig(env as RawEnv);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      hit = err;
    }
    cache.set(env, hit);
  }
  if (hit instanceof ConfigError) throw hit;
  return hit;
}
