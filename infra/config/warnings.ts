import { bytesToGi, formatBytes, quantityToBytes } from "../core/quantity";
import { twoRevisionsBytes } from "./cacheDefaults";
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
  const c = spec.weightCache;
  const two = twoRevisionsBytes(spec.model.entry.checkpointBytes, c.headroomPercent);
  if (c.mode === "volume" && !c.existingClaim && quantityToBytes(c.size) < two) {
    warnings.push(
      `weightCache.size ${c.size} holds one revision of ${spec.model.entry.repo} (${formatBytes(spec.model.entry.checkpointBytes)}), not two side by side (${formatBytes(two)} with ${c.headroomPercent}% headroom): a change of model.revision stops at the download's free-space check, the old revision kept, until the claim grows to ${bytesToGi(two)} (or remove weightCache.size)`,
    );
  }
  return warnings;
}

/** A Git commit: what a pin looks like (config/resolve.ts's COMMIT; not imported, resolve imports this side). */
const COMMIT = /^[0-9a-f]{40}$/;

/**
 * A branch in model.revision is pinned when the download runs, not followed: nothing in the cluster
 * notices that it moved. Said with the way to move on (weightCache.refresh) where the stack is planned
 * and rendered (npm run plan, npm run render).
 */
export function branchNotes(spec: ServingSpec): string[] {
  const revision = spec.model.revision;
  if (COMMIT.test(revision)) return [];
  const refresh = spec.weightCache.refresh;
  return [
    `model.revision ${revision} is a branch of ${spec.model.entry.repo}: it is pinned at download time (the download resolves it to a commit, records it in .glm-serving/${spec.model.entry.repo.replace("/", "--")}/refs/${revision} and the engine serves that commit); a later move of the branch is not followed until weightCache.refresh changes (${refresh === undefined ? "unset" : `now "${refresh}"`}; e.g. pulumi config set --path weightCache.refresh $(date +%F))`,
  ];
}
