import type { IAffinity } from "kubernetes-models/v1/Affinity";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { ServingSpec } from "../config/spec";
import { selectorLabels } from "./labels";
import { poolScheduling, ZONE_LABEL } from "./nodePool";

/** Where a pod runs: the part of a pod spec that places it. */
export interface PodPlacement {
  nodeSelector: Record<string, string>;
  tolerations?: IToleration[];
  affinity?: IAffinity;
}

/**
 * Where the download Job runs, so that the cache volume is born where the engine will run. The first
 * pod to mount a WaitForFirstConsumer claim decides where the volume is provisioned: the zone of a
 * zonal one (EBS, FSx for Lustre), the node of a node-bound one (local-path); an unplaced Job could
 * put 800 GB where no accelerator is, and the engine would never schedule.
 *
 * - accelerator-pool (default): on the engine's own pool, tolerating its taint. With Karpenter the
 *   download's pod launches the accelerator node the engine then takes over; with a ReadWriteOnce
 *   volume it also prefers the node the engine runs on, since a new revision is downloaded while the
 *   engine still holds the volume, and only that node can mount it then.
 * - zone: any node of `nodePool.zone` (a cheap CPU node), for a ReadWriteMany volume that is not a
 *   node's disk (the rules refuse the rest): the accelerators are not held for the download.
 */
export function downloadPlacement(spec: ServingSpec): PodPlacement {
  if (spec.weightCache.downloadOn === "zone" && spec.nodePool.zone) {
    return { nodeSelector: { [ZONE_LABEL]: spec.nodePool.zone } };
  }
  const { nodeSelector, tolerations } = poolScheduling(spec);
  const nextToEngine: IAffinity | undefined =
    spec.weightCache.accessMode === "ReadWriteOnce"
      ? {
          podAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 100,
                podAffinityTerm: {
                  labelSelector: { matchLabels: selectorLabels(spec, "engine") },
                  topologyKey: "kubernetes.io/hostname",
                },
              },
            ],
          },
        }
      : undefined;
  return {
    nodeSelector,
    ...(tolerations.length ? { tolerations } : {}),
    ...(nextToEngine ? { affinity: nextToEngine } : {}),
  };
}
