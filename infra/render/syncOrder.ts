import * as pulumi from "@pulumi/pulumi";
import type { RegisteredResource } from "./runProgram";

/**
 * The order `pulumi up` follows, carried into the rendered files for a GitOps controller that has no
 * Pulumi engine: Argo CD sync waves and hooks, derived from the program's own dependencies (the
 * `dependsOn` and `parent` of every resource it registers, observed through a stack transformation
 * while the program runs under mocks), never from a second, hand-kept list.
 *
 * - Wave: 0 for an object that depends on nothing the render writes; otherwise one more than the
 *   latest wave it depends on. Argo CD applies a wave only once every object of the earlier waves is
 *   healthy (Jobs: completed), so the download Job finishes before the engine is created, and the
 *   engine's node is provisioned only then.
 * - Hook: a Job that depends on a long-running workload (the smoke test, the benchmark) checks that
 *   workload: it becomes a PostSync hook, which Argo CD starts only once the whole sync is healthy,
 *   deleted before it is created again so it runs on every sync.
 * - A claim that a Job or pod of a later wave binds carries PENDING_UNTIL_CONSUMED: with a
 *   WaitForFirstConsumer storage class it stays Pending until then, which Argo CD's built-in check
 *   calls Progressing forever (argoproj/argo-cd#12840); the health check shipped in
 *   gitops/argocd/ calls such a claim Healthy.
 *
 * Annotation names: Argo CD's sync waves and resource hooks (argo-cd docs, user-guide/sync-waves.md and
 * user-guide/resource_hooks.md).
 */
export const SYNC_WAVE = "argocd.argoproj.io/sync-wave";
export const HOOK = "argocd.argoproj.io/hook";
export const HOOK_DELETE_POLICY = "argocd.argoproj.io/hook-delete-policy";
export const PENDING_UNTIL_CONSUMED = "glm-serving/pending-until-consumed";

/** Kinds that run until deleted: a Job depending on one of them is a check of it. */
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "LeaderWorkerSet"]);

/** One registered resource (custom or component) as the program declared it. */
export interface Registration {
  readonly key: string;
  readonly parent?: string;
  readonly dependsOn: readonly string[];
}

export type DependencyGraph = Map<string, Registration>;

/** The key of a resource: its type and name, unique in a stack (as in its URN). */
export const resourceKey = (type: string, name: string) => `${type}::${name}`;

/**
 * Records every resource's parent and dependencies into `graph`. Call inside the program's run (a
 * stack transformation only sees resources registered after it).
 */
export function recordDependencies(graph: DependencyGraph): void {
  const keys = new Map<pulumi.Resource, string>();
  pulumi.runtime.registerStackTransformation((args) => {
    const key = resourceKey(args.type, args.name);
    keys.set(args.resource, key);
    const deps = args.opts.dependsOn;
    const list = (deps === undefined ? [] : Array.isArray(deps) ? deps : [deps]) as unknown[];
    const dependsOn = list.map((d) => {
      const k = keys.get(d as pulumi.Resource);
      // Every dependency of this program is a resource registered before it; anything else (an
      // Output of resources) would be lost from the order, so it is a bug here, not a silent gap.
      if (k === undefined) throw new Error(`${key}: a dependency that is not a registered resource`);
      return k;
    });
    graph.set(key, { key, dependsOn, ...(args.opts.parent ? { parent: keys.get(args.opts.parent) } : {}) });
    return undefined;
  });
}

/** Every resource a key stands for when depended on: itself and, for a component, all it contains. */
function expand(graph: DependencyGraph, key: string): string[] {
  const children = [...graph.values()].filter((r) => r.parent === key).map((r) => r.key);
  return [key, ...children.flatMap((c) => expand(graph, c))];
}

export interface SyncOrder {
  readonly wave: ReadonlyMap<string, number>;
  /** Keys of the Jobs that check a workload (PostSync hooks). */
  readonly hooks: ReadonlySet<string>;
  /** Every resource each key waits for under `pulumi up`, directly or through others. */
  readonly after: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Waves and hooks of the rendered objects (`rendered` holds the keys a render writes). */
export function syncOrder(
  graph: DependencyGraph,
  kinds: ReadonlyMap<string, string>,
  rendered: ReadonlySet<string>,
): SyncOrder {
  const wave = new Map<string, number>();
  const after = new Map<string, Set<string>>();
  const visit = (key: string, path: string[]): number => {
    const known = wave.get(key);
    if (known !== undefined) return known;
    if (path.includes(key)) throw new Error(`dependency cycle: ${[...path, key].join(" -> ")}`);
    const all = new Set<string>();
    let w = 0;
    for (const dep of (graph.get(key)?.dependsOn ?? []).flatMap((d) => expand(graph, d))) {
      const dw = visit(dep, [...path, key]);
      all.add(dep);
      for (const a of after.get(dep)!) all.add(a);
      // Only objects a render writes take a wave of their own; others (components, Helm charts, an
      // add-on's namespace) pass their dependencies' order through.
      w = Math.max(w, dw + (rendered.has(dep) ? 1 : 0));
    }
    wave.set(key, w);
    after.set(key, all);
    return w;
  };
  for (const key of graph.keys()) visit(key, []);
  const hooks = new Set(
    [...rendered].filter(
      (k) => kinds.get(k) === "Job" && [...(after.get(k) ?? [])].some((d) => WORKLOADS.has(kinds.get(d) ?? "")),
    ),
  );
  return { wave, hooks, after };
}

type Metadata = { annotations?: Record<string, string>; [k: string]: unknown };

/** The resources with their Argo CD order as annotations (only the Kubernetes objects a render writes). */
export function withSyncOrder(
  resources: readonly RegisteredResource[],
  graph: DependencyGraph,
  isRendered: (r: RegisteredResource) => boolean,
): RegisteredResource[] {
  const key = (r: RegisteredResource) => resourceKey(r.type, r.name);
  const kinds = new Map(resources.map((r) => [key(r), String(r.inputs["kind"] ?? "")]));
  const rendered = new Set(resources.filter(isRendered).map(key));
  const order = syncOrder(graph, kinds, rendered);
  return resources.map((r) => {
    if (!rendered.has(key(r))) return r;
    const metadata = (r.inputs["metadata"] ?? {}) as Metadata;
    const annotations: Record<string, string> = {
      ...metadata.annotations,
      [SYNC_WAVE]: String(order.wave.get(key(r))),
    };
    if (order.hooks.has(key(r))) {
      annotations[HOOK] = "PostSync";
      annotations[HOOK_DELETE_POLICY] = "BeforeHookCreation";
    }
    if (r.inputs["kind"] === "PersistentVolumeClaim") annotations[PENDING_UNTIL_CONSUMED] = "true";
    return { ...r, inputs: { ...r.inputs, metadata: { ...metadata, annotations } } };
  });
}
