import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The Pulumi runtime keeps process-wide state (mocks, config, the root stack resource):
    // each test file runs in its own fork so programs under mocks never see each other.
    pool: "forks",
    testTimeout: 30_000,
    // A directory per run where the shipped stacks' renders are shared (test/shippedRenders.ts).
    globalSetup: ["test/globalSetup.ts"],
  },
});
