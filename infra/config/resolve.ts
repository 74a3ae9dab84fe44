import { accessRules } from "./accessRules";
import { ACCELERATORS, type AcceleratorEntry } from "../catalog/accelerators";
import { DOWNLOAD_IMAGE, HUB_CLIENT_PACKAGES, MIRROR_CLIENT_PACKAGES } from "../catalog/downloadImage";
import { checkpointFormat, MODELS, type ModelEntry } from "../catalog/models";
import { STORAGE_KINDS } from "../catalog/storageClasses";
import { engineDriver, kindsWhere } from "../engines";
import type { ResolvedEngineConfig } from "../engines/schema";
import { EFA_INTERFACES, efaInterfaces } from "../catalog/interconnects";
import { buildsImage, builtImageRepository } from "../engines/images";
import { interconnectKind } from "./fabric";
import { groupLayout } from "../core/groupLayout";
import { bytesToGi, formatBytes, quantityToBytes } from "../core/quantity";
import { MASKED, setCommand, type ConfigProblem } from "../core/problems";
import { cacheMode, readBandwidth, resolvedHostPath, twoRevisionsBytes } from "./cacheDefaults";
import { scaleOutRules } from "./scaleOutRules";
import { SECRET_KEYS, type StackConfig } from "./schema";
import type { ApiKeySource, ServingSpec } from "./spec";

/**
 * Cross-field rules and catalog defaults: what a schema of independent fields cannot say.
 * Each rule returns its problems; all of them are reported together.
 */

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** Parallel sizes of the engines that shard a model over ranks (llama.cpp has none: it splits layers). */
type Parallel = { tensorParallelSize?: number; dataParallelSize?: number };

/**
 * The engine as its driver resolves it (the one place defaults that depend on the model or the
 * accelerator are applied, e.g. vLLM-Ascend's tensor-parallel size of every NPU of a node): the rules
 * check what will run.
 */
function resolvedEngine(cfg: StackConfig, acc: AcceleratorEntry): ResolvedEngineConfig & Parallel {
  return engineDriver(cfg.engine).resolve(cfg.engine, MODELS[cfg.model.id], acc);
}

/** The engine against the pool: vendor, and parallelism that fits one node. */
function parallelismRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
  const driver = engineDriver(cfg.engine);
  const e = resolvedEngine(cfg, acc);
  const problems: ConfigProblem[] = [];
  const n = acc.devicesPerNode;
  if (!driver.vendors.includes(acc.vendor)) {
    const fitting = Object.values(ACCELERATORS)
      .filter((a) => driver.vendors.includes(a.vendor))
      .map((a) => a.id);
    problems.push({
      path: "nodePool.accelerator",
      value: acc.id,
      allowed: `an accelerator engine.kind ${e.kind} runs on (${fitting.join(", ")})`,
      fix: `set nodePool.accelerator to one of ${fitting.join(", ")}, or choose the engine for ${acc.vendor} devices`,
    });
  }
  const tp = e.tensorParallelSize ?? n;
  if (n % tp !== 0) {
    problems.push({
      path: "engine.tensorParallelSize",
      value: tp,
      allowed: `a divisor of the ${n} devices of one ${acc.id} node: ${divisors(n).join(", ")}`,
      fix: setCommand("engine.tensorParallelSize", n),
    });
  } else if (cfg.nodePool.nodes === 1) {
    const devices = driver.devicesPerPod(e);
    if (devices > n && driver.devicesField) {
      problems.push({
        path: driver.devicesField,
        value: devices,
        allowed: `at most the ${n} devices of one ${acc.id} node`,
        fix: setCommand(driver.devicesField, n),
      });
    } else if (devices > n) {
      problems.push({
        path: "engine.dataParallelSize",
        value: e.dataParallelSize,
        allowed: `parallel ranks (tensor x pipeline x data = ${devices}) at most the ${n} devices of one ${acc.id} node`,
        fix: `lower engine.dataParallelSize (or pipelineParallelSize) so the ranks fit in ${n} devices`,
      });
    }
  }
  return problems;
}

/**
 * A multi-node group (nodePool.nodes above 1): an engine that can run one, whole nodes of
 * data-parallel ranks (the planner's layout arithmetic), the address and port its ranks meet at, a
 * cache every node can mount, and the LeaderWorkerSet controller.
 */
function groupRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
  const nodes = cfg.nodePool.nodes;
  if (nodes === 1) return [];
  const driver = engineDriver(cfg.engine);
  const e = resolvedEngine(cfg, acc);
  const problems: ConfigProblem[] = [];
  if (!driver.supportsGroups) {
    return [
      {
        path: "nodePool.nodes",
        value: nodes,
        allowed: `1 for engine.kind ${e.kind} (multi-node groups run ${kindsWhere((d) => d.supportsGroups)})`,
        fix: setCommand("nodePool.nodes", 1),
      },
    ];
  }
  // A tensor-parallel size that does not divide the node is reported by parallelismRules already.
  if (acc.devicesPerNode % e.tensorParallelSize! !== 0) return problems;
  const ranksPerReplica = driver.devicesPerPod(e) / e.dataParallelSize!;
  const { problems: layout } = groupLayout({
    nodes,
    devicesPerNode: acc.devicesPerNode,
    tensor: e.tensorParallelSize!,
    pipeline: ranksPerReplica / e.tensorParallelSize!,
    data: e.dataParallelSize!,
    expertParallel: (e as { enableExpertParallel?: boolean }).enableExpertParallel ?? false,
    routedExperts: MODELS[cfg.model.id].architecture.routedExperts,
  });
  for (const message of layout) {
    problems.push({
      path: "engine.dataParallelSize",
      value: e.dataParallelSize,
      allowed: `a layout whose ranks fill the ${nodes} nodes: ${message}`,
      fix: `set engine.dataParallelSize to ${nodes * (acc.devicesPerNode / ranksPerReplica)} (nodes x ranks per node)`,
    });
  }
  problems.push(...(driver.groupRules?.(e as never, nodes) ?? []));
  if (modeOf(cfg) === "volume" && cfg.weightCache.accessMode !== "ReadWriteMany") {
    problems.push({
      path: "weightCache.accessMode",
      value: cfg.weightCache.accessMode,
      allowed: `ReadWriteMany for a ${nodes}-node group (every node mounts the one download)`,
      fix: setCommand("weightCache.accessMode", "ReadWriteMany"),
    });
  }
  problems.push(...interconnectRules(cfg, acc));
  if (!cfg.leaderWorkerSet.install && !cfg.leaderWorkerSet.present) {
    problems.push({
      path: "leaderWorkerSet.install",
      value: false,
      allowed:
        "true, or leaderWorkerSet.present true: a multi-node group is a LeaderWorkerSet, which needs its controller",
      fix: `${setCommand("leaderWorkerSet.install", "true")} (or declare it installed: ${setCommand("leaderWorkerSet.present", "true")})`,
    });
  }
  return problems;
}

/**
 * The fabric of a multi-node group: NVIDIA groups need one (EFA by default on a Karpenter pool, whose
 * interface count must be known); Ascend groups use the NPUs' own RoCE ports through HCCL instead.
 */
function interconnectRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
  const ic = cfg.nodePool.interconnect;
  if (acc.vendor !== "nvidia") {
    if (ic.kind === undefined) return [];
    return [
      {
        path: "nodePool.interconnect.kind",
        value: ic.kind,
        allowed: `unset for ${acc.id}: HCCL uses the NPUs' own RoCE ports (seed 002's HCCL_* settings)`,
        fix: "remove nodePool.interconnect",
      },
    ];
  }
  const kind = interconnectKind(cfg);
  if (kind === undefined) {
    return [
      {
        path: "nodePool.interconnect.kind",
        value: undefined,
        allowed: `efa, infiniband or roce for a ${cfg.nodePool.nodes}-node group on a static pool (tcp only if you accept its speed)`,
        fix: setCommand("nodePool.interconnect.kind", "infiniband"),
      },
    ];
  }
  const instanceTypes = cfg.nodePool.karpenter.instanceTypes ?? acc.instanceTypes;
  if (kind === "efa" && ic.devices === undefined && efaInterfaces(instanceTypes) === undefined) {
    const known = Object.keys(EFA_INTERFACES).join(", ");
    return [
      {
        path: "nodePool.interconnect.devices",
        value: undefined,
        allowed: `the EFA interfaces each node offers: not known for ${instanceTypes.join(", ") || "a static pool"} (known: ${known})`,
        fix: setCommand("nodePool.interconnect.devices", 32),
      },
    ];
  }
  return [];
}

/** The engine against the model: a checkpoint it can load, and the engine's own rules. */
function modelEngineRules(cfg: StackConfig): ConfigProblem[] {
  const e = cfg.engine;
  const driver = engineDriver(e);
  const entry: ModelEntry = MODELS[cfg.model.id];
  const acc = ACCELERATORS[cfg.nodePool.accelerator];
  const problems: ConfigProblem[] = [];
  const loads = (m: ModelEntry) => driver.checkpointFormats.includes(checkpointFormat(m));
  const onNvidia = (m: ModelEntry) => m.hub === "huggingface" && m.quantization !== "w4a8";
  if (driver.vendors.includes("nvidia") && (entry.hub !== "huggingface" || entry.quantization === "w4a8")) {
    const cuda = Object.values(MODELS as Record<string, ModelEntry>)
      .filter((m) => onNvidia(m) && loads(m))
      .map((m) => m.id);
    problems.push({
      path: "model.id",
      value: entry.id,
      allowed: `a Hugging Face checkpoint engine.kind ${e.kind} can load on NVIDIA GPUs (${cuda.join(", ")}); ${entry.id} is for Ascend NPUs`,
      fix: `set model.id to one of ${cuda.join(", ")}`,
    });
  } else if (!loads(entry)) {
    // A GGUF file is llama.cpp's format; vLLM and SGLang load safetensors (and the reverse).
    const loadable = Object.values(MODELS as Record<string, ModelEntry>)
      .filter(
        (m) => loads(m) && m.architecture === entry.architecture && (!driver.vendors.includes("nvidia") || onNvidia(m)),
      )
      .map((m) => m.id);
    problems.push({
      path: "model.id",
      value: entry.id,
      allowed: `a ${driver.checkpointFormats.join(" or ")} checkpoint, which engine.kind ${e.kind} loads (${loadable.join(", ")}); ${entry.id} is ${checkpointFormat(entry)}`,
      fix: `set model.id to one of ${loadable.join(", ")}, or choose the engine for ${checkpointFormat(entry)} checkpoints`,
    });
  }
  return [...problems, ...driver.rules(e, entry, acc)];
}

/** The engine on its own: escape-hatch flags and environment. */
function engineOwnRules(cfg: StackConfig): ConfigProblem[] {
  const e = cfg.engine;
  const driver = engineDriver(e);
  const problems: ConfigProblem[] = [...extraArgRules(e.extraArgs, driver.typedFlags, driver.shortFlags)];
  for (const name of Object.keys(e.env)) {
    if (driver.managedEnv.includes(name)) {
      const secret = name === "HF_TOKEN" ? "hfToken" : name.endsWith("API_KEY") ? "apiKey" : undefined;
      problems.push({
        path: `engine.env.${name}`,
        value: e.env[name],
        allowed: `variables other than ${driver.managedEnv.join(", ")}, which the stack sets itself`,
        fix: secret ? `remove it and use pulumi config set --secret ${secret}` : `remove engine.env.${name}`,
      });
    }
  }
  return problems;
}

/** A ServiceMonitor scrapes /metrics, which the engine must serve. */
function monitoringRules(cfg: StackConfig): ConfigProblem[] {
  if (!cfg.monitoring.serviceMonitor || engineDriver(cfg.engine).servesMetrics(cfg.engine)) return [];
  return [
    {
      path: "engine.enableMetrics",
      value: false,
      allowed: "true when monitoring.serviceMonitor is on (the ServiceMonitor scrapes /metrics)",
      fix: setCommand("engine.enableMetrics", "true"),
    },
  ];
}

/**
 * `extraArgs` must be flags (with their values) that no typed field already owns, however they are
 * spelt: `--max_model_len` and `--max-model-len=8192` are `--max-model-len` to the engine's parser,
 * `-tp 4` is `--tensor-parallel-size 4`.
 */
export function extraArgRules(
  args: readonly string[],
  typedFlags: Readonly<Record<string, string>>,
  shortFlags: Readonly<Record<string, string>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  args.forEach((arg, i) => {
    const path = `engine.extraArgs[${i}]`;
    const flag = arg.startsWith("--")
      ? arg.slice(2).split(/[=.]/)[0]!.replace(/_/g, "-")
      : /^-[A-Za-z]/.test(arg)
        ? shortFlags[arg.slice(1).split("=")[0]!]
        : undefined;
    if (i === 0 && !arg.startsWith("-")) {
      problems.push({
        path,
        value: arg,
        allowed: "a flag starting with --, then its values",
        fix: `start engine.extraArgs with a --flag`,
      });
      return;
    }
    if (flag === undefined) return;
    const owner = typedFlags[flag] ?? typedFlags[flag.replace(/^no-/, "")];
    if (owner) {
      problems.push({
        path,
        value: arg,
        allowed: "a flag that no typed field sets",
        fix: `remove it from engine.extraArgs and set ${owner}`,
      });
    }
  });
  return problems;
}

function nodePoolRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
  if (cfg.nodePool.provisioner !== "karpenter" || acc.instanceTypes.length > 0 || cfg.nodePool.karpenter.instanceTypes)
    return [];
  return [
    {
      path: "nodePool.provisioner",
      value: "karpenter",
      allowed: `static for ${acc.id}: no cloud offers it through Karpenter`,
      fix: setCommand("nodePool.provisioner", "static"),
    },
  ];
}

/** The provider writes Secret values in plaintext when it renders YAML; secrets and rendering do not mix. */
function renderSecretRules(cfg: StackConfig, secretKeys: ReadonlySet<string>): ConfigProblem[] {
  if (cfg.renderYamlToDirectory === undefined) return [];
  const credentials = SECRET_KEYS.filter((k) => cfg[k] !== undefined).map((k) => ({
    path: k,
    value: "[secret]",
    allowed: "no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
    fix: `pulumi config rm ${k} and create the Secret outside this stack, or use npm run render (which redacts secrets) instead of renderYamlToDirectory`,
  }));
  // Any other setting kept as a Pulumi secret would land in the files in plaintext just the same.
  const settings = [...secretKeys]
    .filter((k) => !(SECRET_KEYS as readonly string[]).includes(k) && cfg[k as keyof StackConfig] !== undefined)
    .sort()
    .map((k) => ({
      path: k,
      value: MASKED,
      allowed:
        "no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
      fix: `pulumi config set ${k} without --secret if it is no secret, or use npm run render (which redacts secrets) instead of renderYamlToDirectory`,
    }));
  return [...credentials, ...settings];
}

/** One source per credential: an External Secrets store or Pulumi config, not both. */
function externalSecretRules(cfg: StackConfig): ConfigProblem[] {
  if (!cfg.externalSecrets.enabled) return [];
  return SECRET_KEYS.filter((k) => cfg[k] !== undefined).map((k) => ({
    path: k,
    value: "[secret]",
    allowed: `unset while externalSecrets.enabled is true (the credentials come from the store's ${k}Key)`,
    fix: `pulumi config rm ${k} and set externalSecrets.${k}Key`,
  }));
}

/** One Docker host runs one engine container: what a cluster adds has no place there. */
function dockerTargetRules(cfg: StackConfig): ConfigProblem[] {
  if (cfg.target !== "docker") return [];
  const problems: ConfigProblem[] = [];
  const refuse = (path: string, value: unknown, allowed: string, fix: string) =>
    problems.push({ path, value, allowed, fix });
  if (!engineDriver(cfg.engine).docker) {
    refuse(
      "engine.kind",
      cfg.engine.kind,
      `${kindsWhere((d) => d.docker)} with target docker (a GPU host)`,
      "set target to kubernetes for Ascend NPUs",
    );
  }
  if (cfg.nodePool.nodes > 1)
    refuse("nodePool.nodes", cfg.nodePool.nodes, "1 with target docker (one host)", setCommand("nodePool.nodes", 1));
  if (cfg.pod.replicas > 1)
    refuse("pod.replicas", cfg.pod.replicas, "1 with target docker (one host)", setCommand("pod.replicas", 1));
  if (cfg.benchmark.enabled) {
    refuse(
      "benchmark.enabled",
      true,
      "false with target docker (the benchmark is a Kubernetes Job)",
      setCommand("benchmark.enabled", "false"),
    );
  }
  if (cfg.images.build) {
    refuse(
      "images.build",
      true,
      "false with target docker (pin the engine image by tag and digest instead)",
      setCommand("images.build", "false"),
    );
  }
  if (cfg.smokeTest.enabled) {
    refuse(
      "smokeTest.enabled",
      true,
      "false with target docker (the smoke test is a Kubernetes Job)",
      setCommand("smokeTest.enabled", "false"),
    );
  }
  if (cfg.monitoring.serviceMonitor) {
    refuse(
      "monitoring.serviceMonitor",
      true,
      "false with target docker (no Prometheus operator there)",
      setCommand("monitoring.serviceMonitor", "false"),
    );
  }
  if (cfg.externalSecrets.enabled) {
    refuse(
      "externalSecrets.enabled",
      true,
      "false with target docker (credentials come from Pulumi secrets)",
      setCommand("externalSecrets.enabled", "false"),
    );
  }
  return problems;
}

/** A build needs everything pinned: where it goes, its tag, its base (by digest), its transformers commit. */
function imageBuildRules(cfg: StackConfig): ConfigProblem[] {
  const i = cfg.images;
  if (!i.build) return [];
  const problems: ConfigProblem[] = [];
  const noBuild = engineDriver(cfg.engine).noImageBuild;
  if (!buildsImage(cfg.engine.kind)) {
    problems.push({
      path: "images.build",
      value: true,
      allowed: `false for engine.kind ${cfg.engine.kind} (${noBuild ?? "images/ has no Dockerfile for it; pin its published image instead"})`,
      fix: setCommand("images.build", "false"),
    });
  }
  const need: Array<[keyof typeof i, string]> = [
    ["registry", "pulumi config set --path images.registry ghcr.io/<org>"],
    ["tag", "pulumi config set --path images.tag <release>"],
    ["baseImage", "pulumi config set --path images.baseImage <repo>@sha256:<digest>"],
    ["transformersCommit", "pulumi config set --path images.transformersCommit <commit>"],
  ];
  for (const [key, fix] of need) {
    if (i[key] === undefined)
      problems.push({ path: `images.${key}`, value: undefined, allowed: "a value, when images.build is true", fix });
  }
  if (i.baseImage !== undefined && !/@sha256:[a-f0-9]{64}$/.test(i.baseImage)) {
    problems.push({
      path: "images.baseImage",
      value: i.baseImage,
      allowed: "an image pinned by digest (repo@sha256:...): a tag can move under a rebuild",
      fix: "pulumi config set --path images.baseImage <repo>@sha256:<digest>",
    });
  }
  return problems;
}

function secretRules(cfg: StackConfig, secretKeys: ReadonlySet<string>): ConfigProblem[] {
  return SECRET_KEYS.filter((k) => cfg[k] !== undefined && !secretKeys.has(k)).map((k) => ({
    path: k,
    value: "[plaintext]",
    allowed: "an encrypted Pulumi secret (a `secure:` value in the stack file)",
    fix: `pulumi config set --secret ${k} <value>`,
  }));
}

function capacityRules(cfg: StackConfig, checkpointBytes: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const sizeBytes = quantityToBytes(cacheSize(cfg, checkpointBytes));
  const mode = modeOf(cfg);
  if (mode === "volume" && cfg.weightCache.size !== undefined && sizeBytes < checkpointBytes) {
    problems.push({
      path: "weightCache.size",
      value: cfg.weightCache.size,
      allowed: `at least the checkpoint's ${formatBytes(checkpointBytes)} (${bytesToGi(checkpointBytes)})`,
      fix: `remove weightCache.size to size it from the catalog, or set it to at least ${bytesToGi(checkpointBytes)}`,
    });
  }
  if (cfg.pod.replicas > 1 && mode === "volume" && cfg.weightCache.accessMode === "ReadWriteOnce") {
    problems.push({
      path: "weightCache.accessMode",
      value: cfg.weightCache.accessMode,
      allowed: `ReadWriteMany when pod.replicas is ${cfg.pod.replicas} (replicas on several nodes share the cache)`,
      fix: setCommand("weightCache.accessMode", "ReadWriteMany"),
    });
  }
  const serving = cfg.pod.replicas * cfg.nodePool.nodes;
  const maxNodes = cfg.nodePool.karpenter.maxNodes;
  if (cfg.nodePool.provisioner === "karpenter" && maxNodes !== undefined && maxNodes < serving) {
    problems.push({
      path: "nodePool.karpenter.maxNodes",
      value: maxNodes,
      allowed: `at least pod.replicas x nodePool.nodes = ${cfg.pod.replicas} x ${cfg.nodePool.nodes} = ${serving}: every pod of every group needs a node of its own`,
      fix: `${setCommand("nodePool.karpenter.maxNodes", serving)} (or remove it: the default is ${serving})`,
    });
  }
  return problems;
}

/**
 * The cache volume against its storage: ReadWriteMany only from a class that offers it (a cluster's
 * default class is usually a block volume, and a claim it cannot serve stays Pending while the engine
 * waits), and a download outside the accelerator pool only where the volume can follow it.
 */
function storageRules(cfg: StackConfig): ConfigProblem[] {
  const c = cfg.weightCache;
  if (modeOf(cfg) !== "volume") return [];
  const problems: ConfigProblem[] = [];
  const kind = c.storageClass ? STORAGE_KINDS[c.storageClass.type] : undefined;
  const shared = Object.values(STORAGE_KINDS)
    .filter((k) => k.id !== "other" && (k.accessModes as readonly string[]).includes("ReadWriteMany"))
    .map((k) => k.id);
  if (c.accessMode === "ReadWriteMany" && c.existingClaim === undefined) {
    if (!kind) {
      problems.push({
        path: "weightCache.storageClass",
        value: undefined,
        allowed: `a StorageClass that offers ReadWriteMany (${shared.join(", ")}), since weightCache.accessMode is ReadWriteMany: the cluster's default class is usually a block volume that cannot`,
        fix: 'pulumi config set --path weightCache.storageClass \'{"name":"<class>","type":"efs"}\' (a class of your cluster)',
      });
    } else if (!(kind.accessModes as readonly string[]).includes("ReadWriteMany")) {
      problems.push({
        path: "weightCache.storageClass.type",
        value: kind.id,
        allowed: `a type that offers ReadWriteMany (${shared.join(", ")}): ${kind.description} is mounted by one node at a time`,
        fix: `name a shared-file-system class (${shared.join(", ")}) in weightCache.storageClass`,
      });
    }
  }
  if (c.downloadOn === "zone") {
    if (cfg.nodePool.zone === undefined) {
      problems.push({
        path: "nodePool.zone",
        value: undefined,
        allowed: "the accelerators' availability zone, when weightCache.downloadOn is zone (the download runs there)",
        fix: "pulumi config set --path nodePool.zone <zone of the GPU capacity>",
      });
    }
    if (c.accessMode !== "ReadWriteMany" || kind?.topology === "node") {
      problems.push({
        path: "weightCache.downloadOn",
        value: "zone",
        allowed:
          "accelerator-pool unless the cache is a ReadWriteMany volume that is not a node's disk: a new revision's download runs while the engine still holds the volume, and a ReadWriteOnce or node-local volume cannot be mounted on a second node",
        fix: setCommand("weightCache.downloadOn", "accelerator-pool"),
      });
    }
  }
  return problems;
}

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

/** The claim's size: given, or room for two revisions side by side (config/cacheDefaults.ts). */
function cacheSize(cfg: StackConfig, checkpointBytes: number): string {
  return cfg.weightCache.size ?? bytesToGi(twoRevisionsBytes(checkpointBytes, cfg.weightCache.headroomPercent));
}

/** The cache's mode as resolved (stated, or the pool's fastest storage), for the rules. */
function modeOf(cfg: StackConfig): "volume" | "node-local" {
  const acc = ACCELERATORS[cfg.nodePool.accelerator];
  return cacheMode(
    cfg,
    cfg.nodePool.karpenter.instanceTypes ?? acc.instanceTypes,
    MODELS[cfg.model.id].checkpointBytes,
  );
}

/** The bucket URI the engine streams its weights from (engine.streamFrom, where its engine has one). */
export function streamsFrom(engine: StackConfig["engine"]): string | undefined {
  return "streamFrom" in engine && typeof engine.streamFrom === "string" ? engine.streamFrom : undefined;
}

/** A commit is a pin: 40 hex digits (Git's SHA-1), as the Hugging Face Hub names revisions. */
export const COMMIT = /^[0-9a-f]{40}$/;

function revisionRules(cfg: StackConfig): ConfigProblem[] {
  const entry: ModelEntry = MODELS[cfg.model.id];
  const revision = cfg.model.revision ?? entry.revision;
  // The catalog's own branch stands where it knows no commit (community GGUF repositories, like the
  // ModelScope defaults); a branch a stack picks itself must be a commit.
  if (revision !== null && entry.hub === "huggingface" && !COMMIT.test(revision) && revision !== entry.revision) {
    return [
      {
        path: "model.revision",
        value: revision,
        allowed: "a full 40-hex-digit commit of the model repository (branches and tags move)",
        fix: `set model.revision to the commit the branch points at now (git ls-remote https://huggingface.co/${entry.repo} ${revision})`,
      },
    ];
  }
  if (revision !== null) return [];
  return [
    {
      path: "model.revision",
      value: undefined,
      allowed: `a 40-hex-digit commit of ${entry.repo}; the catalog pins none for ${entry.id}`,
      fix: `set model.revision to the commit you have tested (git ls-remote https://huggingface.co/${entry.repo} main)`,
    },
  ];
}

/**
 * A branch with --trust-remote-code: the checkpoint's Python code runs inside the engine, and a branch
 * can change it between two downloads. The download resolves a branch to a commit and records it
 * (the engine serves only that commit), but running code nobody reviewed takes an explicit opt-in.
 */
function branchRules(cfg: StackConfig): ConfigProblem[] {
  const entry: ModelEntry = MODELS[cfg.model.id];
  const revision = cfg.model.revision ?? entry.revision;
  // llama.cpp runs no code of the checkpoint (a GGUF file is data): only the other engines can.
  const trustRemoteCode = "trustRemoteCode" in cfg.engine && cfg.engine.trustRemoteCode;
  if (revision === null || COMMIT.test(revision) || !trustRemoteCode || cfg.model.allowBranch) return [];
  return [
    {
      path: "model.revision",
      value: revision,
      allowed: `a 40-hex-digit commit of ${entry.repo} while engine.trustRemoteCode is on (the checkpoint's own code runs in the engine, and a branch can change it); a branch or tag only with model.allowBranch true`,
      fix: `set model.revision to a commit of ${entry.repo} you have reviewed, or ${setCommand("model.allowBranch", "true")} to serve the commit the branch points at when the download runs`,
    },
  ];
}

/**
 * A streamed checkpoint must be the pinned commit's copy: its URI ends with that commit, the same way
 * the cache names the snapshot, so a bucket of another revision is never served under this one's name.
 */
function streamRules(cfg: StackConfig): ConfigProblem[] {
  const streamFrom = streamsFrom(cfg.engine);
  if (!streamFrom) return [];
  if (!streamFrom.startsWith("s3://")) {
    return [
      {
        path: "engine.streamFrom",
        value: streamFrom,
        allowed:
          "an s3:// URI: the download step copies the verified revision there and checks the copy before the engine streams from it (it makes no gs:// copy)",
        fix: `set engine.streamFrom to s3://<bucket>/<path>/${cfg.model.revision ?? MODELS[cfg.model.id].revision ?? "<commit>"}/`,
      },
    ];
  }
  const entry: ModelEntry = MODELS[cfg.model.id];
  const revision = cfg.model.revision ?? entry.revision;
  const last = streamFrom.replace(/\/+$/, "").split("/").pop();
  if (revision !== null && COMMIT.test(revision) && last === revision) return [];
  return [
    {
      path: "engine.streamFrom",
      value: streamFrom,
      allowed: `a URI whose last path segment is the pinned commit of ${entry.repo} (${revision ?? "model.revision"}): the copy of that commit's verified snapshot`,
      fix: `set engine.streamFrom to a URI ending in /${revision ?? "<commit>"}/ (the download step copies that commit's verified snapshot there)`,
    },
  ];
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
