import { engineDriver } from "../../engines";
import type { ServingSpec } from "../../config/spec";
import type { TimeBudgets } from "../../planner/budgets";
import { labels, names } from "../labels";

/**
 * A KEDA ScaledObject (keda.sh/v1alpha1) scaling the engine's workload (the Deployment, or the
 * LeaderWorkerSet of multi-node groups, which has a scale subresource) on two of the engine's own
 * signals through Prometheus: waiting requests per replica and KV-cache use per replica (the trigger's
 * threshold is a per-replica average: replicas = ceil(sum / threshold)).
 *
 * Scaling down is deliberate: a replica took the startup budget (weights read plus warm-up) to come
 * up, so the HPA waits that long (capped at Kubernetes' 3600 s for a stabilization window) before it
 * removes one, and removes at most one per 1800 s (the longest policy period). KEDA's own
 * `cooldownPeriod` only governs the last replica's scale to zero; it gets the whole startup budget.
 */
export const HPA_MAX_STABILIZATION_SECONDS = 3600;
export const HPA_MAX_POLICY_PERIOD_SECONDS = 1800;

export function scaleDownWindowSeconds(budgets: TimeBudgets): number {
  return Math.min(budgets.startupSeconds, HPA_MAX_STABILIZATION_SECONDS);
}

/** The PromQL selector of this stack's engine series: its namespace and served model. */
export function engineSeriesSelector(spec: ServingSpec): string {
  return `namespace="${spec.namespace}",model_name="${spec.model.servedModelName}"`;
}

export function engineScaledObject(spec: ServingSpec, budgets: TimeBudgets) {
  const a = spec.autoscaling;
  if (!a.enabled) return undefined;
  const m = engineDriver(spec.engine).metrics;
  if (!m) throw new Error(`engineScaledObject: no metric names for ${spec.engine.kind}`);
  const sel = engineSeriesSelector(spec);
  const group = spec.nodePool.nodes > 1;
  const window = scaleDownWindowSeconds(budgets);
  const trigger = (name: string, query: string, threshold: string) => ({
    type: "prometheus",
    name,
    metadata: { serverAddress: a.prometheusAddress, query, threshold },
  });
  return {
    apiVersion: "keda.sh/v1alpha1",
    kind: "ScaledObject",
    metadata: { name: names(spec).engine, namespace: spec.namespace, labels: labels(spec, "engine") },
    spec: {
      scaleTargetRef: group
        ? { apiVersion: "leaderworkerset.x-k8s.io/v1", kind: "LeaderWorkerSet", name: names(spec).engine }
        : { apiVersion: "apps/v1", kind: "Deployment", name: names(spec).engine },
      pollingInterval: a.pollingIntervalSeconds,
      cooldownPeriod: budgets.startupSeconds,
      minReplicaCount: a.minReplicas,
      maxReplicaCount: a.maxReplicas,
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleDown: {
              stabilizationWindowSeconds: window,
              policies: [{ type: "Pods", value: 1, periodSeconds: HPA_MAX_POLICY_PERIOD_SECONDS }],
            },
            scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] },
          },
        },
      },
      triggers: [
        trigger("queue", `sum(${m.waiting}{${sel}})`, String(a.waitingPerReplica)),
        trigger("kv-cache", `sum(${m.kvUsage}{${sel}})`, String(a.kvCacheUsage)),
      ],
    },
  };
}
