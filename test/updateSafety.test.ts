import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import { cacheScriptFiles } from "../infra/k8s/weightCache";
import { stackManifests, type StackManifests } from "../infra/k8s/manifests";
import { quantityToBytes } from "../infra/core/quantity";
import { readStackFile } from "../infra/render/stackFile";
import { STACKS_DIR } from "./helpers";

/**
 * Updates in place: a realistic change to a running stack, rendered before and after, must only
 * touch fields the API server lets change on an object that keeps its name. Whatever cannot change
 * (a Job's pod template) has to come with a new name instead. The rules, by kind:
 * - Job: spec.template, selector, completions, completionMode, podFailurePolicy, manualSelector
 *   (batch/v1 validation of a Job update; only parallelism, activeDeadlineSeconds, backoffLimit,
 *   ttlSecondsAfterFinished and suspend may change);
 * - PersistentVolumeClaim: the spec, except a larger storage request (volume expansion);
 *   a ConfigMap marked immutable;
 * - Deployment, DaemonSet, StatefulSet: spec.selector; StatefulSet also volumeClaimTemplates,
 *   serviceName and podManagementPolicy;
 * - Service: spec.clusterIP (and clusterIPs);
 * - LeaderWorkerSet: spec.leaderWorkerTemplate.size (LWS's webhook) and subGroupPolicy (subGroupSize
 *   "is immutable", the CRD's own description in ../shared/crds);
 * - NodePool: nodeClassRef group and kind (x-kubernetes-validations `self.group == oldSelf.group`,
 *   `self.kind == oldSelf.kind` in karpenter.sh_nodepools.yaml).
 */
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };

function objectsOf(m: StackManifests): Obj[] {
  const parts: unknown[] = [
    m.namespace,
    m.credentials,
    m.externalCredentials,
    m.nodeClass,
    m.nodePool,
    m.cacheClaim,
    m.cacheScripts,
    ...Object.values(m.prefetch),
    m.downloadJob,
    m.engine,
    m.disruptionBudget,
    m.service,
    m.serviceMonitor,
    m.benchmarkClaim,
    m.benchmarkJob,
    m.smokeTestJob,
  ];
  return parts.filter((o): o is Obj => o !== undefined);
}

const key = (o: Obj) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
const at = (o: unknown, path: string): unknown =>
  path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);

/** Every immutability rule `after` breaks, as "<kind> <name>: <field> changed". */
export function immutabilityViolations(before: Obj, after: Obj): string[] {
  const fields: Record<string, string[]> = {
    Job: [
      "spec.template",
      "spec.selector",
      "spec.completions",
      "spec.completionMode",
      "spec.podFailurePolicy",
      "spec.manualSelector",
    ],
    Deployment: ["spec.selector"],
    DaemonSet: ["spec.selector"],
    StatefulSet: ["spec.selector", "spec.volumeClaimTemplates", "spec.serviceName", "spec.podManagementPolicy"],
    Service: ["spec.clusterIP", "spec.clusterIPs"],
    LeaderWorkerSet: ["spec.leaderWorkerTemplate.size", "spec.leaderWorkerTemplate.subGroupPolicy"],
    NodePool: ["spec.template.spec.nodeClassRef.group", "spec.template.spec.nodeClassRef.kind"],
  };
  const out = (fields[before.kind] ?? [])
    .filter((f) => !isDeepStrictEqual(at(before, f), at(after, f)))
    .map((f) => `${key(before)}: ${f} changed`);
  if (before.kind === "PersistentVolumeClaim") {
    const size = (o: Obj) => at(o, "spec.resources.requests.storage") as string;
    const rest = (o: Obj) => ({ ...(o["spec"] as object), resources: undefined });
    if (!isDeepStrictEqual(rest(before), rest(after))) out.push(`${key(before)}: spec changed`);
    if (quantityToBytes(size(after)) < quantityToBytes(size(before))) out.push(`${key(before)}: storage shrank`);
  }
  if (before.kind === "ConfigMap" && before["immutable"] === true && !isDeepStrictEqual(before, after)) {
    out.push(`${key(before)}: immutable ConfigMap changed`);
  }
  return out;
}

/** A stack file's config with `patch` merged into one of its keys (objects deeply). */
function patched(stack: string, patch: Record<string, unknown>) {
  const { values, secretKeys } = readStackFile(STACKS_DIR, stack);
  const merge = (a: unknown, b: unknown): unknown =>
    a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(b)
      ? Object.fromEntries(
          [...new Set([...Object.keys(a), ...Object.keys(b)])].map((k) => [
            k,
            k in (b as object)
              ? merge((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
              : (a as Record<string, unknown>)[k],
          ]),
        )
      : b;
  const out = { ...values };
  for (const [k, v] of Object.entries(patch)) {
    const name = `glm-serving:${k}`;
    const old = out[name] === undefined ? undefined : JSON.parse(out[name]!);
    out[name] = JSON.stringify(merge(old, v));
  }
  return loadSpec({ stack, values: out, secretKeys: new Set(secretKeys) });
}

interface Change {
  readonly what: string;
  readonly patch: Record<string, unknown>;
  readonly scripts?: boolean;
}

/** What a change does to a running deployment: the README's table, checked. */
interface Effect {
  /** The engine's pods are replaced (their template changed). */
  readonly restart: boolean;
  /** The download Job is a new one: the cache is downloaded (what is missing) and verified again. */
  readonly download: boolean;
}

function effect(before: StackManifests, after: StackManifests): Effect {
  const templates = (m: StackManifests) =>
    m.engine.kind === "Deployment"
      ? m.engine.spec!.template
      : [m.engine.spec.leaderWorkerTemplate.leaderTemplate, m.engine.spec.leaderWorkerTemplate.workerTemplate];
  // Node-local on Karpenter: the engine pod's own fill step is the download.
  const fill = (m: StackManifests) =>
    [templates(m)].flat().map((t) => t?.spec?.initContainers?.find((c) => c.name === "fill-node-cache"));
  return {
    restart: !isDeepStrictEqual(templates(before), templates(after)),
    download:
      before.downloadJob?.metadata!.name !== after.downloadJob?.metadata!.name ||
      !isDeepStrictEqual(fill(before), fill(after)),
  };
}

const BASES = {
  // Deployment, node-local cache on the instance store (filled by the engine's pod), smoke test on.
  "h200-fp8": {},
  // Three replicas on one ReadWriteMany (FSx for Lustre) volume with its download Job.
  "h200-fp8-scale": {},
  // LeaderWorkerSet pair on a ReadWriteMany volume, static Ascend nodes.
  "a3-bf16-pair": {},
  // SGLang with the benchmark Job.
  "b200-sglang": {},
} as const;

const CHANGES: readonly (Change & { readonly on: readonly (keyof typeof BASES)[]; readonly expect: Effect })[] = [
  {
    what: "engine image tag",
    patch: { engine: { image: { repository: "registry.example.com/engine", tag: "2026.12.0" } } },
    on: ["h200-fp8", "a3-bf16-pair", "b200-sglang"],
    expect: { restart: true, download: false },
  },
  {
    what: "an engine flag (max-num-seqs)",
    patch: { engine: { maxNumSeqs: 4 } },
    on: ["h200-fp8", "a3-bf16-pair"],
    expect: { restart: true, download: false },
  },
  {
    what: "max-model-len",
    patch: { engine: { maxModelLen: 4096 } },
    on: ["h200-fp8", "a3-bf16-pair"],
    expect: { restart: true, download: false },
  },
  {
    what: "model revision",
    patch: { model: { revision: "0123456789abcdef0123456789abcdef01234567" } },
    on: ["h200-fp8", "h200-fp8-scale", "a3-bf16-pair", "b200-sglang"],
    expect: { restart: true, download: true },
  },
  {
    // Every replica reads the one volume at once, so the startup budget grows: the pods restart.
    what: "replicas (1 -> 2, shared volume)",
    patch: { pod: { replicas: 2 } },
    on: ["a3-bf16-pair"],
    expect: { restart: true, download: false },
  },
  {
    what: "cache size growth",
    patch: { weightCache: { size: "4000Gi" } },
    on: ["h200-fp8-scale", "a3-bf16-pair"],
    expect: { restart: false, download: false },
  },
  {
    what: "smoke test on/off",
    patch: { smokeTest: { enabled: false } },
    on: ["h200-fp8"],
    expect: { restart: false, download: false },
  },
  {
    what: "smoke test on",
    patch: { smokeTest: { enabled: true } },
    on: ["a3-bf16-pair", "b200-sglang"],
    expect: { restart: false, download: false },
  },
  {
    what: "a change to a cache script",
    patch: {},
    scripts: true,
    on: ["h200-fp8-scale", "a3-bf16-pair"],
    expect: { restart: false, download: true },
  },
  {
    // The engine's pods are not restarted for it: each runs the new script at its next start.
    what: "a change to a cache script (node-local)",
    patch: {},
    scripts: true,
    on: ["h200-fp8"],
    expect: { restart: false, download: false },
  },
  {
    what: "weightCache.refresh (a branch followed anew)",
    patch: { weightCache: { refresh: "2026-12-01" } },
    on: ["h200-fp8-scale", "a3-bf16-pair"],
    expect: { restart: false, download: true },
  },
  {
    what: "weightCache.refresh (node-local: the pods that fill their node restart)",
    patch: { weightCache: { refresh: "2026-12-01" } },
    on: ["h200-fp8"],
    expect: { restart: true, download: true },
  },
];

describe("updates in place: each realistic change keeps every immutable field of every object that keeps its name", () => {
  for (const change of CHANGES) {
    for (const base of change.on) {
      it(`${base}: ${change.what}`, () => {
        const before = stackManifests(patched(base, {}));
        const files = cacheScriptFiles();
        const after = stackManifests(patched(base, change.patch), {
          ...(change.scripts
            ? { cacheScriptFiles: { ...files, "verify_checkpoint.py": `${files["verify_checkpoint.py"]}\n# v2\n` } }
            : {}),
        });
        const old = new Map(objectsOf(before).map((o) => [key(o), o]));
        const violations = objectsOf(after).flatMap((o) => {
          const prior = old.get(key(o));
          return prior ? immutabilityViolations(prior, o) : [];
        });
        expect(violations).toEqual([]);
        expect(effect(before, after)).toEqual(change.expect);
      });
    }
  }
});

describe("the immutability check itself", () => {
  it("catches a Job whose template changed under the same name, a shrunk or re-classed claim, a new selector", () => {
    const m = stackManifests(patched("h200-fp8-scale", {}));
    const job = m.downloadJob as unknown as Obj;
    const changedJob = structuredClone(job) as Obj & { spec: { template: { spec: { restartPolicy: string } } } };
    changedJob.spec.template.spec.restartPolicy = "Never";
    expect(immutabilityViolations(job, changedJob)).toEqual([
      `Job h200-fp8-scale/${job.metadata.name}: spec.template changed`,
    ]);
    const claim = m.cacheClaim as unknown as Obj;
    const smaller = structuredClone(claim) as Obj & {
      spec: { resources: { requests: { storage: string } }; storageClassName?: string };
    };
    smaller.spec.resources.requests.storage = "100Gi";
    smaller.spec.storageClassName = "gp3";
    expect(immutabilityViolations(claim, smaller)).toEqual([
      "PersistentVolumeClaim h200-fp8-scale/h200-fp8-scale-weights: spec changed",
      "PersistentVolumeClaim h200-fp8-scale/h200-fp8-scale-weights: storage shrank",
    ]);
    const engine = m.engine as unknown as Obj;
    const relabelled = structuredClone(engine) as Obj & { spec: { selector: unknown } };
    relabelled.spec.selector = { matchLabels: { app: "other" } };
    expect(immutabilityViolations(engine, relabelled)).toEqual([
      "Deployment h200-fp8-scale/h200-fp8-scale-engine: spec.selector changed",
    ]);
  });

  it("an unchanged stack renders the same download Job, so an unrelated update never re-reads the cache", () => {
    const a = stackManifests(patched("h200-fp8-scale", {}));
    const b = stackManifests(patched("h200-fp8-scale", { engine: { gpuMemoryUtilization: 0.9 } }));
    expect(b.downloadJob).toEqual(a.downloadJob);
  });
});
