import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpec } from "../config/load";
import { assertFits } from "../planner/gate";
import { manifestFiles, kubernetesObjects } from "./manifestFiles";
import { runProgram } from "./runProgram";
import { readStackFile, stackFilePath } from "./stackFile";

export interface RenderResult {
  readonly files: Map<string, string>;
  readonly outputs: Record<string, unknown>;
}

/**
 * Renders a stack in memory: runs the program offline on the stack file's config. A bad config or
 * an unfit stack throws the error the program itself would raise (ConfigError, CapacityError)
 * before the program runs, so a failing render never leaves Pulumi's runtime half-way through.
 */
export async function renderStack(stack: string, stacksDir: string): Promise<RenderResult> {
  const { values, secretKeys } = readStackFile(stacksDir, stack);
  assertFits(loadSpec({ stack, values, secretKeys: new Set(secretKeys) }));
  const run = await runProgram(stack, values, secretKeys);
  const source = stackFilePath("stacks", stack);
  return { files: manifestFiles(kubernetesObjects(run.resources), source), outputs: run.outputs };
}

/** Replaces the YAML files of `outDir` by `files` (other files are left alone). */
export function writeFiles(outDir: string, files: Map<string, string>): void {
  mkdirSync(outDir, { recursive: true });
  for (const old of readdirSync(outDir)) {
    if (old.endsWith(".yaml")) rmSync(join(outDir, old));
  }
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
}
