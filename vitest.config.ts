import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { isolatedWranglerConfig } from "./scripts/lib/test-wrangler-config.mjs";

const ROOT = fileURLToPath(new URL(".", import.meta.url));
// No usage metrics from wrangler, no network fetch of request.cf data by Miniflare: the suite
// runs offline and the same everywhere (CI sets nothing of its own).
process.env.WRANGLER_SEND_METRICS ??= "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

/** Variables every workerd test starts from; a test file overrides what it tests. */
const TEST_VARS = {
  ENVIRONMENT: "development",
  PUBLIC_URL: "https://gateway.test",
  JWT_SECRET: "7f1c0a9e3b5d48e2a6c4f0b19d2e7a3c5b8f1d0e4a7c2b9f6e3d1a0c8b5f2e7d",
  PASSWORD_PEPPER: "2b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfe",
  UPSTREAM_SECRET: "a3f5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5",
  // Cost 4 keeps the suite fast; one test runs the production cost of 12.
  BCRYPT_COST: "4",
  // Mail and events travel the real local Queue to the delivery sink (test/setup/delivery-sink.ts).
  MAIL_TRANSPORT: "webhook",
  MAIL_WEBHOOK_SECRET: "d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2",
  EVENTS_WEBHOOK_SECRET: "e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8",
  DELIVERY_RETRY_BASE_SECONDS: "1",
};

export default defineConfig({
  test: {
    projects: [
      {
        plugins: [
          cloudflareTest(async ({ inject }) => ({
            // A copy of wrangler.toml in a folder without .dev.vars or .env: the developer's own
            // configuration never reaches the tests (scripts/lib/test-wrangler-config.mjs).
            wrangler: { configPath: isolatedWranglerConfig(ROOT) },
            miniflare: {
              bindings: {
                ...TEST_VARS,
                TEST_ADMIN_DATABASE_URL: inject("adminDatabaseUrl"),
                TEST_TEMPLATE_DATABASE: inject("templateDatabase"),
                DATABASE_URL: inject("adminDatabaseUrl"),
                DATABASE_WS_PROXY: inject("wsProxy"),
                UPSTREAM_URL: inject("upstreamUrl"),
                TEST_FAULT_PROXY: inject("faultProxy"),
                TEST_FAULT_CONTROL: inject("faultControl"),
                TEST_DELIVERY_SINK: inject("deliverySink"),
                MAIL_WEBHOOK_URL: `${inject("deliverySink")}/mail`,
                EVENTS_WEBHOOK_URL: `${inject("deliverySink")}/events`,
              },
              // wrangler.toml retries 10 times; 2 keeps the dead-letter test short.
              queueConsumers: {
                "tdah-gateway-delivery": { maxBatchTimeout: 1, maxRetries: 2, deadLetterQueue: "tdah-gateway-delivery-dlq" },
                "tdah-gateway-delivery-dlq": { maxBatchTimeout: 1, maxRetries: 3 },
              },
            },
          })),
        ],
        test: {
          name: "workers",
          // Log lines of passing tests are noise; a failing test shows its own.
          silent: "passed-only",
          include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts", "test/attacks/**/*.test.ts", "test/faults/**/*.test.ts"],
          globalSetup: ["test/setup/global.ts"],
          testTimeout: 30000,
          hookTimeout: 60000,
        },
      },
      {
        test: {
          // Node-side tooling (prerequisites installer, dev-stack record, test isolation).
          name: "node",
          environment: "node",
          silent: "passed-only",
          include: ["test/node/**/*.test.ts"],
          testTimeout: 60000,
        },
      },
      {
        test: {
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/global-setup.ts"],
          testTimeout: 120000,
          hookTimeout: 180000,
          fileParallelism: false,
        },
      },
    ],
    coverage: {
      provider: "istanbul",
      include: ["src/**/*.ts", "src/**/*.tsx"],
      reporter: ["text-summary", "json-summary", "html"],
      thresholds: { lines: 90 },
    },
  },
});
