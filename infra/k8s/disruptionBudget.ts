import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { ServingSpec } from "../config/spec";
import { labels, names, selectorLabels } from "./labels";

/**
 * A PodDisruptionBudget per engine: no eviction (a node drain, Karpenter's own disruption, a cluster
 * upgrade) may take a serving engine pod. Reloading the model takes hours, and a group loses all of
 * its members when one goes. `maxUnavailable: 0` blocks every voluntary eviction of a healthy pod;
 * `unhealthyPodEvictionPolicy: AlwaysAllow` still lets a drain evict a pod that is not ready (one
 * still loading, or crash-looping), which serves nothing. To move a serving engine on purpose,
 * delete its pod (or scale the workload) instead of draining around it.
 */
export function engineDisruptionBudget(spec: ServingSpec): IPodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: names(spec).engine, namespace: spec.namespace, labels: labels(spec, "engine") },
    spec: {
      maxUnavailable: 0,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      selector: { matchLabels: selectorLabels(spec, "engine") },
    },
  };
}
