import { z } from "zod";
import { dnsLabel, labelMap, positiveInt, quantity } from "../../core/schemaFields";
import { annotationMap, dnsSubdomain } from "../../core/kubernetesFields";

export const podSchema = z
  .strictObject({
    replicas: positiveInt.default(1).describe("Engine replicas; each takes a whole node's worth of accelerators."),
    cpu: quantity.default("32").describe("CPU request and limit of the engine container."),
    memory: quantity
      .default("256Gi")
      .describe("Memory request and limit of the engine container (host RAM for loading and offload)."),
    shmSize: quantity
      .optional()
      .describe(
        "Size of the memory-backed /dev/shm (NCCL and worker IPC need more than 64Mi); default 16Gi for vLLM, 32Gi for SGLang.",
      ),
    warmupMinutes: z
      .number()
      .int()
      .min(1)
      .default(20)
      .describe(
        "Time after weights are read for compilation, CUDA graphs and kernel warm-up; part of the startup budget.",
      ),
    hostNetwork: z
      .boolean()
      .default(false)
      .describe(
        "Run engine pods in the host's network namespace (for clusters whose HCCL/NCCL traffic needs the host NICs).",
      ),
    socketInterface: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,15}$/, { error: "a network interface name such as eth0 or enp189s0f0" })
      .optional()
      .describe(
        "NIC for GLOO/TP/HCCL (NCCL) sockets in multi-node groups; default: the interface holding the pod IP, found at start.",
      ),
    leaderWaitSeconds: positiveInt
      .default(600)
      .describe("How long a worker of a multi-node group waits for the leader's address to resolve before it fails."),
    priorityClassName: dnsSubdomain.optional().describe("PriorityClass of the engine pod."),
    serviceAccountName: dnsLabel
      .optional()
      .describe("ServiceAccount of the engine pod; the namespace default when unset."),
  })
  .describe("Engine pod settings shared by every engine.");

export const serviceSchema = z
  .strictObject({
    auth: z
      .enum(["api-key", "none"])
      .default("api-key")
      .describe(
        "api-key: every Kubernetes stack needs an API key (apiKey as a Pulumi secret, or externalSecrets.apiKeyKey); none: an explicit opt-out, the NetworkPolicy alone decides who may call (ClusterIP only).",
      ),
    networkPolicy: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe("A NetworkPolicy admitting only the stack's namespace, the router and the monitoring scraper."),
        routerNamespace: dnsLabel
          .optional()
          .describe("Namespace of the router or gateway that forwards client requests to the engine."),
        routerPodLabels: labelMap
          .optional()
          .describe("Labels of the router's pods in routerNamespace; default: every pod there."),
        monitoringNamespace: dnsLabel
          .default("monitoring")
          .describe(
            "Namespace of the Prometheus that scrapes /metrics (admitted when monitoring.serviceMonitor is on).",
          ),
      })
      .prefault({})
      .describe("Who may open a connection to the engine's pods."),
    type: z
      .enum(["ClusterIP", "NodePort", "LoadBalancer"])
      .default("ClusterIP")
      .describe("Kubernetes Service type of the API."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65535)
      .optional()
      .describe("Port of the Service (it forwards to the engine's port); default: the engine's port."),
    annotations: annotationMap.default({}).describe("Annotations of the Service (e.g. for a cloud load balancer)."),
  })
  .describe("How the API is exposed.");

export const monitoringSchema = z
  .strictObject({
    serviceMonitor: z
      .boolean()
      .default(false)
      .describe("Create a Prometheus-operator ServiceMonitor scraping the engine's /metrics."),
    interval: z
      .string()
      .regex(/^[0-9]+(s|m)$/, { error: 'a scrape interval such as "30s"' })
      .default("30s")
      .describe("Scrape interval."),
    labels: labelMap.default({}).describe("Labels the Prometheus instance selects ServiceMonitors by."),
  })
  .describe("Metrics scraping.");
