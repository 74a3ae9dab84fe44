import { ACCELERATORS } from "../../catalog/accelerators";
import { MODELS } from "../../catalog/models";
import { STORAGE_KINDS } from "../../catalog/storageClasses";
import { bytesToGi, formatBytes, quantityToBytes } from "../../core/quantity";
import { setCommand, type ConfigProblem } from "../../core/problems";
import { cacheMode, twoRevisionsBytes } from "../cacheDefaults";
import type { StackConfig } from "../schema";

/** Weight cache: its size, access mode and storage against the checkpoint, the replicas and the pool. */

export function capacityRules(cfg: StackConfig, checkpointBytes: number): ConfigProblem[] {
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
export function storageRules(cfg: StackConfig): ConfigProblem[] {
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

/** The claim's size: given, or room for two revisions side by side (config/cacheDefaults.ts). */
export function cacheSize(cfg: StackConfig, checkpointBytes: number): string {
  return cfg.weightCache.size ?? bytesToGi(twoRevisionsBytes(checkpointBytes, cfg.weightCache.headroomPercent));
}

/** The cache's mode as resolved (stated, or the pool's fastest storage), for the rules. */
export function modeOf(cfg: StackConfig): "volume" | "node-local" {
  const acc = ACCELERATORS[cfg.nodePool.accelerator];
  return cacheMode(
    cfg,
    cfg.nodePool.karpenter.instanceTypes ?? acc.instanceTypes,
    MODELS[cfg.model.id].checkpointBytes,
  );
}
