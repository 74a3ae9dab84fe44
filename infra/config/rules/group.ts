import type { AcceleratorEntry } from "../../catalog/accelerators";
import { MODELS } from "../../catalog/models";
import { engineDriver, kindsWhere } from "../../engines";
import { groupLayout } from "../../core/groupLayout";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";
import { interconnectRules } from "./interconnect";
import { resolvedEngine } from "./resolvedEngine";
import { modeOf } from "./weightCache";

/**
 * A multi-node group (nodePool.nodes above 1): an engine that can run one, whole nodes of
 * data-parallel ranks (the planner's layout arithmetic), the address and port its ranks meet at, a
 * cache every node can mount, and the LeaderWorkerSet controller.
 */
export function groupRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
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
