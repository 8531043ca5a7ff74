/**
 * One vitest run covers every package's unit and property tests and the
 * cross-package tests under `test/`. The tier (`npm test` = CI, `npm run test:full`)
 * is read from `TLS_TEST_TIER`; see `test/support/tier.ts`.
 */
import { defineConfig } from "vitest/config"

const full = process.env.TLS_TEST_TIER === "full"

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    setupFiles: ["test/support/setup.ts"],
    reporters: ["verbose", "./test/support/summary-reporter.ts"],
    testTimeout: full ? 1_800_000 : 300_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2
  }
})
