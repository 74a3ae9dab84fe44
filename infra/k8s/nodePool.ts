import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1" with { "resolution-mode": "import" };
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { ServingSpec } from "../config/spec";
import { labels, names } from "./labels";
import { fillsOnEngineNode, weightsLabel } from "./weightCache";

/**
 * The accelerator pool: a Karpenter v1 NodePool on elastic clusters, or nothing at all on static
 * ones (existing nodes, selected by label). Either way `scheduling()` says how the engine gets there.
 */

/** Label Karpenter puts on every node it launches for a NodePool. */
export const KARPENTER_NODEPOOL_LABEL = "karpenter.sh/nodepool";

export function karpenterNodePool(spec: ServingSpec): INodePool | undefined {
  const pool = spec.nodePool;
  if (pool.provisioner !== "karpenter") return undefined;
  const acc = spec.accelerator;
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: names(spec).nodePool, labels: labels(spec, "node-pool") },
    spec: {
      template: {
        ...(Object.keys(pool.labels).length ? { metadata: { labels: { ...pool.labels } } } : {}),
        spec: {
          nodeClassRef: { ...pool.karpenter.nodeClass },
          requirements: [
            { key: "node.kubernetes.io/instance-type", operator: "In", values: [...pool.instanceTypes] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: [...pool.karpenter.capacityTypes] },
          ],
          ...(pool.taint ? { taints: [{ key: acc.taintKey, effect: "NoSchedule" as const }] } : {}),
          expireAfter: pool.karpenter.expireAfter,
        },
      },
      // The limit is in accelerators, so the pool can never grow past maxNodes whole nodes.
      limits: { [acc.resourceName]: String(pool.karpenter.maxNodes * acc.devicesPerNode) },
      disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: pool.karpenter.consolidateAfter },
    },
  };
}

export interface Scheduling {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: IToleration[];
}

/**
 * Where the engine's pods may run: the pool's nodes, tolerating the pool's taint; in node-local cache
 * mode only those whose copy of the weights is complete (labelled by the prefetch DaemonSet).
 */
export function scheduling(spec: ServingSpec): Scheduling {
  const pool = poolScheduling(spec);
  if (spec.weightCache.mode !== "node-local" || fillsOnEngineNode(spec)) return pool;
  const { key, value } = weightsLabel(spec);
  return { ...pool, nodeSelector: { ...pool.nodeSelector, [key]: value } };
}

/** The pool's nodes, whatever their caches hold (where the prefetch DaemonSet runs). */
export function poolScheduling(spec: ServingSpec): Scheduling {
  const pool = spec.nodePool;
  const nodeSelector =
    pool.provisioner === "karpenter"
      ? { [KARPENTER_NODEPOOL_LABEL]: names(spec).nodePool, ...pool.labels }
      : { ...pool.staticNodeSelector, ...pool.labels };
  const tolerations: IToleration[] = pool.taint
    ? [{ key: spec.accelerator.taintKey, operator: "Exists", effect: "NoSchedule" }]
    : [];
  return { nodeSelector, tolerations };
}
