import type { AcceleratorEntry } from "../../catalog/accelerators";
import { EFA_INTERFACES, efaInterfaces } from "../../catalog/interconnects";
import { setCommand, type ConfigProblem } from "../../core/problems";
import { interconnectKind } from "../fabric";
import type { StackConfig } from "../schema";

/**
 * The fabric of a multi-node group: NVIDIA groups need one (EFA by default on a Karpenter pool, whose
 * interface count must be known); Ascend groups use the NPUs' own RoCE ports through HCCL instead.
 */
export function interconnectRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
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
