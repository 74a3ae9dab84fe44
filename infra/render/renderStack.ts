import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSpec } from "../config/load";
import { assertFits } from "../planner/gate";
import {
  dockerDocuments,
  dockerFiles,
  helmCharts,
  kubernetesObjects,
  manifestFiles,
  RENDER_HEADER,
} from "./manifestFiles";
import { runProgram } from "./runProgram";
import { rawStackConfig, readStackFile, stackFilePath } from "./stackFile";

export interface RenderResult {
  readonly files: Map<string, string>;
  readonly outputs: Record<string, unknown>;
  /** Helm charts `pulumi up` installs, which a render does not expand (GitOps installs them itself). */
  readonly charts: string[];
}

/**
 * Renders a stack in memory: runs the program offline on the stack file's config. A bad config or
 * an unfit stack throws the error the program itself would raise (ConfigError, CapacityError)
 * before the program runs, so a failing render never leaves Pulumi's runtime half-way through.
 */
export async function renderStack(stack: string, stacksDir: string): Promise<RenderResult> {
  const file = readStackFile(stacksDir, stack);
  const { values, secretKeys } = file;
  assertFits(loadSpec(rawStackConfig(stack, file)));
  const run = await runProgram(stack, values, secretKeys);
  const source = stackFilePath("stacks", stack);
  return {
    files: new Map([
      ...manifestFiles(kubernetesObjects(run.resources), source),
      ...dockerFiles(dockerDocuments(run.resources), source),
    ]),
    outputs: run.outputs,
    charts: helmCharts(run.resources),
  };
}

/**
 * Replaces the rendered files of `outDir` by `files`. Only files a render wrote (they start with
 * its header) are removed; anything else in the directory is left alone.
 */
export function writeFiles(outDir: string, files: Map<string, string>): void {
  mkdirSync(outDir, { recursive: true });
  for (const old of readdirSync(outDir)) {
    const path = join(outDir, old);
    if (old.endsWith(".yaml") && readFileSync(path, "utf8").startsWith(RENDER_HEADER)) rmSync(path);
  }
  for (const [name, text] of files) writeFileSync(join(outDir, name), text);
}
