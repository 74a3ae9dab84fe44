import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { ServingSpec } from "../config/spec";
import { HTTP_PORT_NAME } from "./engineWorkload";
import { labels, names, selectorLabels } from "./labels";

/** The label every namespace carries with its own name (set by the API server since Kubernetes 1.22). */
const NAMESPACE_NAME = "kubernetes.io/metadata.name";

/**
 * Closed by default: the engine's pods accept connections only from pods of the stack's own namespace
 * (the smoke test, the benchmark, the workers of a multi-node group), the router's namespace when one
 * is configured, and the monitoring namespace on the API port when a ServiceMonitor scrapes /metrics.
 * Egress is left open (downloads, NCCL between nodes). A NetworkPolicy does not apply to pods in the
 * host's network namespace (pod.hostNetwork): such stacks rely on the API key alone.
 */
export function engineNetworkPolicy(spec: ServingSpec): INetworkPolicy | undefined {
  const p = spec.service.networkPolicy;
  if (spec.target !== "kubernetes" || !p.enabled) return undefined;
  const API_PORT = [{ port: HTTP_PORT_NAME, protocol: "TCP" as const }];
  const namespace = (name: string) => ({ namespaceSelector: { matchLabels: { [NAMESPACE_NAME]: name } } });
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: names(spec).service, namespace: spec.namespace, labels: labels(spec, "engine") },
    spec: {
      podSelector: { matchLabels: { ...selectorLabels(spec, "engine") } },
      policyTypes: ["Ingress"],
      ingress: [
        { from: [{ podSelector: {} }] },
        ...(p.routerNamespace
          ? [
              {
                from: [
                  {
                    ...namespace(p.routerNamespace),
                    ...(p.routerPodLabels ? { podSelector: { matchLabels: { ...p.routerPodLabels } } } : {}),
                  },
                ],
                ports: API_PORT,
              },
            ]
          : []),
        ...(spec.monitoring.serviceMonitor ? [{ from: [namespace(p.monitoringNamespace)], ports: API_PORT }] : []),
      ],
    },
  };
}
