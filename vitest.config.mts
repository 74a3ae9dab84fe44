import { join } from "node:path";
import { defineConfig } from "vitest/config";

// V8's code cache for the modules every test process loads (@pulumi/*, zod, yaml, ...): each fork
// reads compiled code instead of parsing them again (Node 22.1+; the forks inherit the variable).
process.env["NODE_COMPILE_CACHE"] ??= join(import.meta.dirname, "node_modules", ".cache", "glm-serving-v8");

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
