import { ACCELERATORS } from "../catalog/accelerators";
import { DOWNLOAD_IMAGE, HUB_CLIENT_PACKAGES, MIRROR_CLIENT_PACKAGES } from "../catalog/downloadImage";
import { MODELS, type ModelEntry } from "../catalog/models";
import { engineDriver } from "../engines";
import { buildsImage, builtImageRepository } from "../engines/images";
import type { ConfigProblem } from "../core/problems";
import { cacheMode, readBandwidth, resolvedHostPath } from "./cacheDefaults";
import { accessRules } from "./rules/access";
import { dockerTargetRules } from "./rules/dockerTarget";
import { modelEngineRules } from "./rules/engineModel";
import { engineOwnRules } from "./rules/engineOwn";
import { groupRules } from "./rules/group";
import { imageBuildRules } from "./rules/imageBuild";
import { branchRules, revisionRules, streamRules, streamsFrom } from "./rules/modelRevision";
import { monitoringRules } from "./rules/monitoring";
import { nodePoolRules } from "./rules/nodePool";
import { parallelismRules } from "./rules/parallelism";
import { scaleOutRules } from "./rules/scaleOut";
import { externalSecretRules, renderSecretRules, secretRules } from "./rules/secrets";
import { cacheSize, capacityRules, storageRules } from "./rules/weightCache";
import { SECRET_KEYS, type StackConfig } from "./schema";
import type { ApiKeySource, ServingSpec } from "./spec";

// Where callers have always found them (the rules themselves live in rules/, one topic per file).
export { extraArgRules } from "./rules/engineOwn";
export { COMMIT, streamsFrom } from "./rules/modelRevision";

/**
 * Cross-field rules and catalog defaults: what a schema of independent fields cannot say.
 * Each rule (in rules/, one topic per file) returns its problems; all of them are reported together,
 * in the order of RULES below.
 */

type Section = keyof StackConfig;

/** Each rule with the config sections it reads: it runs only when all of them parsed. */
const RULES: ReadonlyArray<{
  needs: readonly Section[];
  run: (cfg: StackConfig, secretKeys: ReadonlySet<string>) => ConfigProblem[];
}> = [
  { needs: ["engine", "nodePool"], run: (cfg) => parallelismRules(cfg, ACCELERATORS[cfg.nodePool.accelerator]) },
  {
    needs: ["engine", "nodePool", "weightCache", "leaderWorkerSet", "model", "target"],
    run: (cfg) => groupRules(cfg, ACCELERATORS[cfg.nodePool.accelerator]),
  },
  { needs: ["engine", "model", "nodePool"], run: modelEngineRules },
  { needs: ["engine", "monitoring"], run: monitoringRules },
  { needs: ["engine"], run: engineOwnRules },
  { needs: ["nodePool"], run: (cfg) => nodePoolRules(cfg, ACCELERATORS[cfg.nodePool.accelerator]) },
  { needs: SECRET_KEYS, run: secretRules },
  { needs: ["images", "engine"], run: imageBuildRules },
  {
    needs: ["target", "engine", "nodePool", "pod", "benchmark", "smokeTest", "monitoring", "externalSecrets", "images"],
    run: dockerTargetRules,
  },
  { needs: [...SECRET_KEYS, "externalSecrets"], run: externalSecretRules },
  { needs: [...SECRET_KEYS, "renderYamlToDirectory"], run: renderSecretRules },
  {
    needs: ["model", "weightCache", "pod", "nodePool", "target"],
    run: (cfg) => capacityRules(cfg, MODELS[cfg.model.id].checkpointBytes),
  },
  { needs: ["model"], run: revisionRules },
  { needs: ["router", "autoscaling", "target", "engine", "monitoring", "pod", "nodePool"], run: scaleOutRules },
  { needs: ["weightCache", "nodePool", "model", "target"], run: storageRules },
  { needs: ["model", "engine"], run: branchRules },
  { needs: ["target", "service", "externalSecrets", "renderYamlToDirectory", ...SECRET_KEYS], run: accessRules },
  { needs: ["model", "engine"], run: streamRules },
];

/** Problems of the cross-field rules whose sections are all valid (`valid`). */
export function crossFieldProblems(
  cfg: Partial<StackConfig>,
  valid: ReadonlySet<string>,
  secretKeys: ReadonlySet<string>,
): ConfigProblem[] {
  return RULES.filter((r) => r.needs.every((s) => valid.has(s))).flatMap((r) => r.run(cfg as StackConfig, secretKeys));
}

/** Applies catalog defaults to a config that passed every check. */
export function resolveSpec(stack: string, cfg: StackConfig): ServingSpec {
  const entry = MODELS[cfg.model.id];
  const acc = ACCELERATORS[cfg.nodePool.accelerator];
  const revision = cfg.model.revision ?? entry.revision;
  if (revision === null) throw new Error("resolveSpec called on a config that failed revisionRules");
  const size = cacheSize(cfg, entry.checkpointBytes);
  const mode = cacheMode(cfg, cfg.nodePool.karpenter.instanceTypes ?? acc.instanceTypes, entry.checkpointBytes);
  const read = readBandwidth(cfg, mode);
  const resolved = engineDriver(cfg.engine).resolve(cfg.engine, entry, acc);
  // A built image replaces the engine's published one (its digest replaces the tag at deploy time).
  const engine =
    cfg.images.build && cfg.images.registry && cfg.images.tag && buildsImage(resolved.kind)
      ? {
          ...resolved,
          image: { repository: builtImageRepository(cfg.images.registry, resolved.kind), tag: cfg.images.tag },
        }
      : resolved;
  return {
    stack,
    name: cfg.name ?? stack,
    // Each stack in a namespace of its own: two stacks never claim the same Namespace object.
    namespace: cfg.namespace ?? cfg.name ?? stack,
    createNamespace: cfg.createNamespace,
    model: { entry, revision, servedModelName: cfg.model.servedModelName ?? entry.defaultServedModelName },
    accelerator: acc,
    engine,
    nodePool: {
      ...cfg.nodePool,
      karpenter: {
        ...cfg.nodePool.karpenter,
        maxNodes: cfg.nodePool.karpenter.maxNodes ?? cfg.pod.replicas * cfg.nodePool.nodes,
        nodeClass: {
          ...cfg.nodePool.karpenter.nodeClass,
          // A declared class carries the stack in its name (cluster-scoped, like the NodePool).
          name:
            cfg.nodePool.karpenter.nodeClass.name ??
            (cfg.nodePool.karpenter.nodeClass.declare ? `${cfg.name ?? stack}-${acc.id}` : "default"),
        },
      },
      instanceTypes: cfg.nodePool.karpenter.instanceTypes ?? acc.instanceTypes,
      resourceName: cfg.nodePool.resourceName ?? acc.resourceName,
      staticNodeSelector: cfg.nodePool.staticNodeSelector ?? acc.staticNodeSelector,
    },
    weightCache: {
      ...cfg.weightCache,
      mode,
      hostPath: resolvedHostPath(cfg),
      readBandwidthMBps: read.mbps,
      readBandwidthStated: read.stated,
      // A GGUF repository holds every quantisation: download only this one's directory.
      allowPatterns:
        cfg.weightCache.allowPatterns.length === 0 && (entry as ModelEntry).gguf
          ? [`${(entry as ModelEntry).gguf!.directory}/*`]
          : cfg.weightCache.allowPatterns,
      size,
      // On a cluster, the cache's own image, never the engine's: an engine upgrade leaves the download
      // Job alone. A Docker host keeps the engine's (or its tools) image: one pull, no install step.
      downloadImage:
        cfg.weightCache.downloadImage ??
        (cfg.target === "docker" ? (engineDriver(cfg.engine).toolsImage ?? engine.image!) : DOWNLOAD_IMAGE),
      clientPackages:
        cfg.weightCache.downloadImage || cfg.target === "docker"
          ? []
          : [...HUB_CLIENT_PACKAGES[entry.hub], ...(streamsFrom(cfg.engine) ? MIRROR_CLIENT_PACKAGES : [])],
    },
    pod: { ...cfg.pod, shmSize: cfg.pod.shmSize ?? engineDriver(cfg.engine).defaultShmSize },
    service: { ...cfg.service, port: cfg.service.port ?? engine.port },
    monitoring: cfg.monitoring,
    benchmark: cfg.benchmark,
    smokeTest: cfg.smokeTest,
    router: cfg.router,
    autoscaling: cfg.autoscaling,
    leaderWorkerSet: cfg.leaderWorkerSet,
    credentials: {
      hfToken: cfg.externalSecrets.enabled ? cfg.externalSecrets.hfTokenKey !== undefined : cfg.hfToken !== undefined,
      apiKey: apiKeySource(cfg),
    },
    externalSecrets: cfg.externalSecrets,
    target: cfg.target,
    images: cfg.images,
    docker: cfg.docker,
    ...(cfg.renderYamlToDirectory !== undefined ? { renderYamlToDirectory: cfg.renderYamlToDirectory } : {}),
  };
}

/**
 * Where the API key comes from. Closed by default: a Kubernetes stack without a key of its own gets
 * one generated by `pulumi up`, unless it opts out (service.auth: none). accessRules refuses the
 * contradictory combinations (two sources, a key with the opt-out) before this runs.
 */
export function apiKeySource(cfg: StackConfig): ApiKeySource | false {
  if (cfg.target !== "kubernetes") return cfg.apiKey !== undefined ? "pulumi" : false;
  if (cfg.service.auth === "none") return false;
  if (cfg.externalSecrets.enabled && cfg.externalSecrets.apiKeyKey !== undefined) return "external";
  if (cfg.service.apiKeySecret !== undefined) return "existing";
  if (cfg.apiKey !== undefined) return "pulumi";
  return "generated";
}
