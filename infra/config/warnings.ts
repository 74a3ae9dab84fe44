import { interconnectKind } from "./fabric";
import type { ServingSpec } from "./spec";

/**
 * What a valid stack does that works but costs: said on every `pulumi up` and render, never refused.
 */
export function specWarnings(spec: ServingSpec): string[] {
  const warnings: string[] = [];
  if (spec.nodePool.nodes > 1 && spec.accelerator.vendor === "nvidia" && interconnectKind(spec) === "tcp") {
    warnings.push(
      `nodePool.interconnect.kind is tcp: the ${spec.nodePool.nodes}-node group's NCCL traffic (expert dispatch and combine on every MoE layer) goes over TCP sockets through the pod network (no RDMA, no GPUDirect), a fraction of the 3,200 Gbps per node EFA gives a p5/p5en/p6-b200 node; expect far lower throughput and higher latency than with efa, infiniband or roce`,
    );
  }
  return warnings;
}
