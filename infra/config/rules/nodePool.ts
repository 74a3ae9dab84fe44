import type { AcceleratorEntry } from "../../catalog/accelerators";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** Node pool and placement: Karpenter only for an accelerator some cloud offers through it. */
export function nodePoolRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
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
