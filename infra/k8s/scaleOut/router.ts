import type { ServingSpec } from "../../config/spec";
import { engineDriver } from "../../engines";
import { pinnedChart, type PinnedChart } from "../charts";
import { ROLE_LABEL } from "../engineWorkload";
import { labels, selectorLabels } from "../labels";

/**
 * Routing across replicas with the Gateway API Inference Extension: an InferencePool selecting the
 * engine pods that serve the API (single-node pods and group leaders), its endpoint picker (EPP)
 * scoring each request's candidates on prefix-cache hits, queue length and KV-cache use, and an
 * HTTPRoute from the user's Gateway to the pool.
 *
 * The pool and the EPP come from the pinned llm-d-router-gateway chart (charts/llm-d-router), whose
 * EPP watches the pool named after the Helm release; `routerPool` below is the object its template
 * (config/charts/routerlib/templates/_inferencepool.yaml at v0.9.0) writes from these values, for the
 * tests to validate against the InferencePool CRD and to match against the engine pods.
 */
export const ROUTER_CHART = "llm-d-router";
export const EPP_PORT = 9002;
/** The EndpointPickerConfig file the stack adds to the chart's ConfigMap. */
export const EPP_CONFIG_FILE = "glm-serving.yaml";

export function routerNames(spec: ServingSpec) {
  const release = `${spec.name}-pool`;
  return { release, pool: release, epp: `${release}-epp`, route: spec.name };
}

/** Labels of the pods the pool routes to: the engine's pods that serve HTTP. */
export function poolSelector(spec: ServingSpec): Record<string, string> {
  return { ...selectorLabels(spec, "engine"), [ROLE_LABEL]: "leader" };
}

/**
 * The EPP's scheduling: the chart's plugin set (metrics from each pod's /metrics, read as vLLM's or
 * SGLang's names) with the stack's weights on the prefix-cache, queue and KV-cache scorers.
 */
export function eppConfig(spec: ServingSpec): string {
  const r = spec.router;
  const engine = engineDriver(spec.engine).router.eppDefaultEngine;
  return [
    "apiVersion: llm-d.ai/v1alpha1",
    "kind: EndpointPickerConfig",
    "plugins:",
    "- type: queue-scorer",
    "- type: kv-cache-utilization-scorer",
    "- type: prefix-cache-scorer",
    "- type: metrics-data-source",
    "  parameters:",
    '    scheme: "http"',
    '    path: "/metrics"',
    "- type: core-metrics-extractor",
    ...(engine === undefined ? [] : ["  parameters:", `    defaultEngine: "${engine}"`]),
    "schedulingProfiles:",
    "- name: default",
    "  plugins:",
    "  - pluginRef: queue-scorer",
    `    weight: ${r.queueWeight}`,
    "  - pluginRef: kv-cache-utilization-scorer",
    `    weight: ${r.kvCacheWeight}`,
    "  - pluginRef: prefix-cache-scorer",
    `    weight: ${r.prefixCacheWeight}`,
    "",
  ].join("\n");
}

export interface RouterRelease {
  readonly chart: PinnedChart;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: Record<string, unknown>;
}

/** The router chart's release: the pinned chart and the stack's values over the shared ones. */
export function routerRelease(spec: ServingSpec, chart = pinnedChart(ROUTER_CHART)): RouterRelease | undefined {
  if (!spec.router.enabled) return undefined;
  const shared = chart.values as { router?: Record<string, unknown> };
  const sharedRouter = shared.router ?? {};
  const sharedEpp = (sharedRouter["epp"] ?? {}) as Record<string, unknown>;
  return {
    chart,
    releaseName: routerNames(spec).release,
    namespace: spec.namespace,
    values: {
      ...chart.values,
      router: {
        ...sharedRouter,
        modelServers: {
          type: engineDriver(spec.engine).router.modelServersType,
          protocol: "http",
          targetPorts: [{ number: spec.engine.port }],
          matchLabels: poolSelector(spec),
        },
        epp: {
          ...sharedEpp,
          replicas: spec.router.eppReplicas,
          extProcPort: EPP_PORT,
          pluginsConfigFile: EPP_CONFIG_FILE,
          pluginsCustomConfig: { [EPP_CONFIG_FILE]: eppConfig(spec) },
        },
      },
    },
  };
}

/** The InferencePool the chart's template writes for this release (see the comment at the top). */
export function routerPool(spec: ServingSpec) {
  const n = routerNames(spec);
  return {
    apiVersion: "inference.networking.k8s.io/v1",
    kind: "InferencePool",
    metadata: { name: n.pool, namespace: spec.namespace },
    spec: {
      targetPorts: [{ number: spec.engine.port }],
      appProtocol: "http",
      selector: { matchLabels: poolSelector(spec) },
      endpointPickerRef: { name: n.epp, port: { number: EPP_PORT }, failureMode: "FailOpen" },
    },
  };
}

/** The HTTPRoute from the user's Gateway to the pool (gateway.networking.k8s.io/v1). */
export function routerHttpRoute(spec: ServingSpec) {
  if (!spec.router.enabled) return undefined;
  const g = spec.router.gateway;
  const n = routerNames(spec);
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: n.route, namespace: spec.namespace, labels: labels(spec, "engine") },
    spec: {
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: g.name!,
          ...(g.namespace ? { namespace: g.namespace } : {}),
          ...(g.sectionName ? { sectionName: g.sectionName } : {}),
        },
      ],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: n.pool }],
          timeouts: { request: spec.router.requestTimeout },
        },
      ],
    },
  };
}
