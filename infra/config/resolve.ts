import { ACCELERATORS, type AcceleratorEntry } from "../catalog/accelerators";
import { MODELS, type ModelEntry } from "../catalog/models";
import { engineDriver } from "../engines";
import { bytesToGi, formatBytes, quantityToBytes } from "../planner/quantity";
import { setCommand, type ConfigProblem } from "./problems";
import { SECRET_KEYS, type StackConfig } from "./schema";
import type { ServingSpec } from "./spec";

/**
 * Cross-field rules and catalog defaults: what a schema of independent fields cannot say.
 * Each rule returns its problems; all of them are reported together.
 */

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** The engine against the pool: vendor, and parallelism that fits one node. */
function parallelismRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
  const e = cfg.engine;
  const driver = engineDriver(e);
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
  if (n % e.tensorParallelSize !== 0) {
    problems.push({
      path: "engine.tensorParallelSize",
      value: e.tensorParallelSize,
      allowed: `a divisor of the ${n} devices of one ${acc.id} node: ${divisors(n).join(", ")}`,
      fix: setCommand("engine.tensorParallelSize", n),
    });
  } else {
    const devices = driver.devicesPerPod(e);
    if (devices > n) {
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

/** The engine against the model: a checkpoint it can load, and the engine's own rules. */
function modelEngineRules(cfg: StackConfig): ConfigProblem[] {
  const e = cfg.engine;
  const driver = engineDriver(e);
  const entry: ModelEntry = MODELS[cfg.model.id];
  const acc = ACCELERATORS[cfg.nodePool.accelerator];
  const problems: ConfigProblem[] = [];
  if (driver.vendors.includes("nvidia") && (entry.hub !== "huggingface" || entry.quantization === "w4a8")) {
    const cuda = Object.values(MODELS as Record<string, ModelEntry>)
      .filter((m) => m.hub === "huggingface" && m.quantization !== "w4a8")
      .map((m) => m.id);
    problems.push({
      path: "model.id",
      value: entry.id,
      allowed: `a Hugging Face checkpoint engine.kind ${e.kind} can load on NVIDIA GPUs (${cuda.join(", ")}); ${entry.id} is for Ascend NPUs`,
      fix: `set model.id to one of ${cuda.join(", ")}`,
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
function renderSecretRules(cfg: StackConfig): ConfigProblem[] {
  if (cfg.renderYamlToDirectory === undefined) return [];
  return SECRET_KEYS.filter((k) => cfg[k] !== undefined).map((k) => ({
    path: k,
    value: "[secret]",
    allowed: "no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
    fix: `pulumi config rm ${k} and create the Secret outside this stack, or use npm run render (which redacts secrets) instead of renderYamlToDirectory`,
  }));
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
  if (cfg.weightCache.size !== undefined && sizeBytes < checkpointBytes) {
    problems.push({
      path: "weightCache.size",
      value: cfg.weightCache.size,
      allowed: `at least the checkpoint's ${formatBytes(checkpointBytes)} (${bytesToGi(checkpointBytes)})`,
      fix: `remove weightCache.size to size it from the catalog, or set it to at least ${bytesToGi(checkpointBytes)}`,
    });
  }
  if (cfg.pod.replicas > 1 && cfg.weightCache.accessMode === "ReadWriteOnce") {
    problems.push({
      path: "weightCache.accessMode",
      value: cfg.weightCache.accessMode,
      allowed: `ReadWriteMany when pod.replicas is ${cfg.pod.replicas} (replicas on several nodes share the cache)`,
      fix: setCommand("weightCache.accessMode", "ReadWriteMany"),
    });
  }
  if (cfg.nodePool.provisioner === "karpenter" && cfg.pod.replicas > cfg.nodePool.karpenter.maxNodes) {
    problems.push({
      path: "pod.replicas",
      value: cfg.pod.replicas,
      allowed: `at most nodePool.karpenter.maxNodes (${cfg.nodePool.karpenter.maxNodes}): each replica needs a node of its own`,
      fix: setCommand("nodePool.karpenter.maxNodes", cfg.pod.replicas),
    });
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
  { needs: ["engine", "model", "nodePool"], run: modelEngineRules },
  { needs: ["engine", "monitoring"], run: monitoringRules },
  { needs: ["engine"], run: engineOwnRules },
  { needs: ["nodePool"], run: (cfg) => nodePoolRules(cfg, ACCELERATORS[cfg.nodePool.accelerator]) },
  { needs: SECRET_KEYS, run: secretRules },
  { needs: [...SECRET_KEYS, "renderYamlToDirectory"], run: renderSecretRules },
  {
    needs: ["model", "weightCache", "pod", "nodePool"],
    run: (cfg) => capacityRules(cfg, MODELS[cfg.model.id].checkpointBytes),
  },
  { needs: ["model"], run: revisionRules },
];

/** Problems of the cross-field rules whose sections are all valid (`valid`). */
export function crossFieldProblems(
  cfg: Partial<StackConfig>,
  valid: ReadonlySet<string>,
  secretKeys: ReadonlySet<string>,
): ConfigProblem[] {
  return RULES.filter((r) => r.needs.every((s) => valid.has(s))).flatMap((r) => r.run(cfg as StackConfig, secretKeys));
}

function cacheSize(cfg: StackConfig, checkpointBytes: number): string {
  return cfg.weightCache.size ?? bytesToGi(checkpointBytes * (1 + cfg.weightCache.headroomPercent / 100));
}

function revisionRules(cfg: StackConfig): ConfigProblem[] {
  const entry = MODELS[cfg.model.id];
  if ((cfg.model.revision ?? entry.revision) !== null) return [];
  return [
    {
      path: "model.revision",
      value: undefined,
      allowed: `a 40-hex-digit commit of ${entry.repo}; the catalog pins none for ${entry.id}`,
      fix: `set model.revision to the commit you have tested (git ls-remote https://huggingface.co/${entry.repo} main)`,
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
  const engine = engineDriver(cfg.engine).resolve(cfg.engine, entry, acc);
  return {
    stack,
    name: cfg.name ?? stack,
    namespace: cfg.namespace,
    createNamespace: cfg.createNamespace,
    model: { entry, revision, servedModelName: cfg.model.servedModelName ?? entry.defaultServedModelName },
    accelerator: acc,
    engine,
    nodePool: {
      ...cfg.nodePool,
      instanceTypes: cfg.nodePool.karpenter.instanceTypes ?? acc.instanceTypes,
      staticNodeSelector: cfg.nodePool.staticNodeSelector ?? acc.staticNodeSelector,
    },
    weightCache: { ...cfg.weightCache, size, downloadImage: cfg.weightCache.downloadImage ?? engine.image! },
    pod: { ...cfg.pod, shmSize: cfg.pod.shmSize ?? engineDriver(cfg.engine).defaultShmSize },
    service: cfg.service,
    monitoring: cfg.monitoring,
    benchmark: cfg.benchmark,
    credentials: { hfToken: cfg.hfToken !== undefined, apiKey: cfg.apiKey !== undefined },
    ...(cfg.renderYamlToDirectory !== undefined ? { renderYamlToDirectory: cfg.renderYamlToDirectory } : {}),
  };
}
