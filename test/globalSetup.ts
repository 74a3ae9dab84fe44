import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

/**
 * One directory per test run for the renders of the shipped stacks (test/shippedRenders.ts): the
 * first test file that needs a stack's render makes it, every other file reads it, so each shipped
 * stack is rendered once per run however many files check its objects.
 */
export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "glm-renders-"));
  project.provide("shippedRendersDir", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    shippedRendersDir: string;
  }
}
