import { z } from "zod";
import { dnsLabel, positiveInt } from "../../core/schemaFields";

/**
 * Serving more than one replica: the Gateway API Inference Extension in front of them (an
 * InferencePool, its endpoint picker, an HTTPRoute from a Gateway the cluster already has), and KEDA
 * scaling them on the engine's own queue and KV-cache metrics.
 */
const weight = z.number().int().min(0).max(100);

export const routerSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "Route through an InferencePool and its endpoint picker (chart pinned in charts/llm-d-router) instead of the plain Service alone.",
      ),
    gateway: z
      .strictObject({
        name: dnsLabel
          .optional()
          .describe("Name of the Gateway (kgateway, Istio, GKE, ...) the HTTPRoute attaches to."),
        namespace: dnsLabel.optional().describe("Namespace of the Gateway; default: the stack's."),
        sectionName: dnsLabel
          .optional()
          .describe("Listener of the Gateway; default: every listener that allows the route."),
      })
      .prefault({})
      .describe("The Gateway the cluster provides; the stack only adds a route to it."),
    requestTimeout: z
      .string()
      .regex(/^([0-9]{1,5}(h|m|s|ms)){1,4}$/, { error: 'a Gateway API duration such as "1800s" or "1h"' })
      .default("1800s")
      .describe("HTTPRoute request timeout: long enough for the longest generation you serve."),
    prefixCacheWeight: weight
      .default(3)
      .describe("Weight of the endpoint picker's prefix-cache scorer (requests go where their prefix is cached)."),
    queueWeight: weight.default(2).describe("Weight of the queue scorer (shortest waiting queue)."),
    kvCacheWeight: weight.default(2).describe("Weight of the KV-cache utilisation scorer (most free KV cache)."),
    eppReplicas: positiveInt.default(1).describe("Endpoint picker replicas (above 1 they elect a leader)."),
  })
  .prefault({})
  .describe("Gateway API Inference Extension routing across replicas (pod.replicas or autoscaling above 1).");

export const autoscalingSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Scale the engine's replicas with a KEDA ScaledObject on its queue and KV-cache metrics (Prometheus)."),
    minReplicas: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe("Fewest replicas; 0 only with scaleToZero (every scale-up from zero is a cold start)."),
    maxReplicas: positiveInt
      .default(2)
      .describe("Most replicas; times the group's nodes at most nodePool.karpenter.maxNodes."),
    scaleToZero: z
      .boolean()
      .default(false)
      .describe("Allow minReplicas 0: no GPUs while idle, a full cold start on the next request."),
    prometheusAddress: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, { error: "an http(s) URL of the Prometheus API" })
      .default("http://prometheus-operated.monitoring.svc:9090")
      .describe("Prometheus that scrapes the engines (monitoring.serviceMonitor), queried by KEDA."),
    waitingPerReplica: positiveInt
      .default(8)
      .describe("Target of waiting requests per replica (vLLM num_requests_waiting, SGLang num_queue_reqs)."),
    kvCacheUsage: z
      .number()
      .gt(0)
      .max(1)
      .default(0.8)
      .describe("Target KV-cache usage per replica, 0-1 (vLLM kv_cache_usage_perc, SGLang token_usage)."),
    pollingIntervalSeconds: positiveInt.default(30).describe("How often KEDA queries Prometheus."),
  })
  .prefault({})
  .describe("KEDA autoscaling of engine replicas on LLM signals.");
