import { mkdirSync, readdirSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { loadSpec } from "../config/load";
import { composeFile } from "../docker/compose";
import { dockerProject } from "../docker/container";
import { timeBudgets } from "../planner/budgets";
import { assertFits } from "../planner/gate";
import {
  dockerDocuments,
  composeYaml,
  dockerFiles,
  helmCharts,
  kubernetesObjects,
  manifestFiles,
  RENDER_HEADER,
  objectResources,
  renderedResources,
} from "./manifestFiles";
import type { ObjectKind, PolicyRule } from "../gitops/workspaceRbac";
import { program } from "../program";
import { type DependencyGraph, recordDependencies, withSyncOrder } from "./syncOrder";
import { entryAt, firstLine, isInsidePath } from "./ownership";
import { GITOPS_HEADER } from "./renderAll";
import { runProgram } from "./runProgram";
import { commitChange, recover, RenderWriteError, type TransactionHooks, withRenderLock } from "./transaction";
import { rawStackConfig, readStackFile, stackFilePath } from "./stackFile";

export interface RenderResult {
  readonly files: Map<string, string>;
  readonly outputs: Record<string, unknown>;
  /** Helm charts `pulumi up` installs, which a render does not expand (GitOps installs them itself). */
  readonly charts: string[];
  /** Every kind of Kubernetes object the program registers (rendered or not), and the ClusterRoles' rules. */
  readonly kinds: ObjectKind[];
  readonly clusterRoleRules: PolicyRule[];
}

/**
 * Renders a stack in memory: runs the program offline on the stack file's config. A bad config or
 * an unfit stack throws the error the program itself would raise (ConfigError, CapacityError)
 * before the program runs, so a failing render never leaves Pulumi's runtime half-way through.
 */
export async function renderStack(stack: string, stacksDir: string): Promise<RenderResult> {
  const file = readStackFile(stacksDir, stack);
  const { values, secretKeys } = file;
  const spec = loadSpec(rawStackConfig(stack, file));
  assertFits(spec);
  // The program's own dependencies, observed while it runs, give the rendered objects their order.
  const graph: DependencyGraph = new Map();
  const run = await runProgram(stack, values, secretKeys, () => {
    recordDependencies(graph);
    return program();
  });
  const rendered = new Set(renderedResources(run.resources));
  const resources = withSyncOrder(run.resources, graph, (r) => rendered.has(r));
  const source = stackFilePath("stacks", stack);
  // A Docker stack renders what Docker users run: its Compose file (the program's containers are the
  // same, created by @pulumi/docker in the same order).
  const docker: Array<[string, string]> =
    spec.target === "docker"
      ? [["compose.yaml", composeYaml(composeFile(spec, dockerProject(spec, timeBudgets(spec))), source)]]
      : [...dockerFiles(dockerDocuments(run.resources), source)];
  return {
    files: new Map([...manifestFiles(kubernetesObjects(resources), source), ...docker]),
    outputs: run.outputs,
    charts: helmCharts(run.resources),
    kinds: objectResources(run.resources).map((r) => ({
      apiVersion: String(r.inputs["apiVersion"]),
      kind: String(r.inputs["kind"]),
    })),
    clusterRoleRules: objectResources(run.resources)
      .filter((r) => r.inputs["kind"] === "ClusterRole")
      .flatMap((r) => (r.inputs["rules"] ?? []) as PolicyRule[]),
  };
}

/** The header line of a file rendered from a stack's file: which stack it belongs to. */
const renderedStackOf = (line: string) =>
  line.startsWith(RENDER_HEADER)
    ? /^stacks\/Pulumi\.(.+?)\.yaml\. /.exec(line.slice(RENDER_HEADER.length))?.[1]
    : undefined;

/**
 * Replaces the rendered files of one stack in `outDir` by `files`, all at once and holding the render
 * lock (transaction.ts). Only files this stack's render wrote (regular files whose header names its
 * stack file) are replaced or removed; anything else in the folder is left alone. Refused, before
 * anything is written: an `outDir` that is a file or a link, another stack's folder (it holds files
 * rendered from another stack, or is rendered/<other stack>), a GitOps folder, and a file name that
 * is not a plain name.
 */
export async function writeFiles(
  outDir: string,
  stack: string,
  files: Map<string, string>,
  options: { cwd?: string; stacks?: readonly string[]; hooks?: TransactionHooks } = {},
): Promise<void> {
  const cwd = resolve(options.cwd ?? ".");
  const out = resolve(cwd, outDir);
  // Inside the working tree the lock and the staging folder are the repository's (shared with
  // render:all); elsewhere they sit beside the output folder.
  const inTree = out.startsWith(cwd + sep);
  const root = inTree ? cwd : dirname(out);
  const rel = inTree ? relative(cwd, out) : basename(out);
  const refuse = (why: string) => {
    throw new RenderWriteError(`--out ${outDir}: ${why}`);
  };
  for (const name of files.keys())
    if (!isInsidePath(name) || name.includes(sep))
      refuse(`the stack renders a file named "${name}", which is not a plain file name`);
  const kind = entryAt(out);
  if (kind === "file" || kind === "other") refuse("is a file, not a folder");
  const other = (options.stacks ?? []).find((s) => s !== stack && resolve(cwd, "rendered", s) === out);
  if (other) refuse(`is the rendered folder of stack "${other}"`);
  if (inTree && (rel === "gitops" || rel.startsWith(`gitops${sep}`)))
    refuse("gitops/ holds the objects npm run render:all writes");
  mkdirSync(root, { recursive: true });
  await withRenderLock(root, () => {
    recover(root);
    const mine: string[] = [];
    if (entryAt(out) === "directory") {
      for (const name of readdirSync(out).sort()) {
        const line = firstLine(join(out, name));
        if (line === undefined) continue;
        const owner = renderedStackOf(line);
        if (owner === stack) mine.push(name);
        else if (owner !== undefined) refuse(`holds ${name}, rendered from stack "${owner}"`);
        else if (line.startsWith(GITOPS_HEADER)) refuse(`holds ${name}, a GitOps object npm run render:all writes`);
      }
    }
    commitChange(
      root,
      {
        write: new Map([...files].map(([name, text]) => [join(rel, name), text])),
        remove: mine.filter((name) => !files.has(name)).map((name) => join(rel, name)),
      },
      options.hooks,
    );
  });
}
