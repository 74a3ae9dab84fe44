import type { IServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor" with {
  "resolution-mode": "import",
};
import type { IService } from "kubernetes-models/v1/Service";
import type { ServingSpec } from "../config/spec";
import { HTTP_PORT_NAME, ROLE_LABEL } from "./engineWorkload";
import { labels, names, selectorLabels } from "./labels";

export function engineService(spec: ServingSpec): IService {
  const s = spec.service;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: names(spec).service,
      namespace: spec.namespace,
      labels: labels(spec, "engine"),
      ...(Object.keys(s.annotations).length ? { annotations: { ...s.annotations } } : {}),
    },
    spec: {
      type: s.type,
      // The leader: the only pod of a multi-node group that serves the API (every single-node pod is one).
      selector: { ...selectorLabels(spec, "engine"), [ROLE_LABEL]: "leader" },
      ports: [{ name: HTTP_PORT_NAME, port: s.port, targetPort: HTTP_PORT_NAME, protocol: "TCP" }],
    },
  };
}

/** Prometheus-operator ServiceMonitor for the engine's /metrics (vLLM and SGLang both serve it there). */
export function engineServiceMonitor(spec: ServingSpec): IServiceMonitor | undefined {
  const m = spec.monitoring;
  if (!m.serviceMonitor) return undefined;
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: {
      name: names(spec).service,
      namespace: spec.namespace,
      labels: { ...labels(spec, "engine"), ...m.labels },
    },
    spec: {
      selector: { matchLabels: { ...selectorLabels(spec, "engine") } },
      endpoints: [{ port: HTTP_PORT_NAME, path: "/metrics", interval: m.interval }],
    },
  };
}

/** In-cluster base URL of the OpenAI-compatible API. */
export function endpointUrl(spec: ServingSpec): string {
  return `http://${names(spec).service}.${spec.namespace}.svc.cluster.local:${spec.service.port}/v1`;
}
