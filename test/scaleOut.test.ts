import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSpec } from "../infra/config/load";
import { stackManifests } from "../infra/k8s/manifests";
import { eppConfig, poolSelector, routerHttpRoute, routerPool, routerRelease } from "../infra/k8s/scaleOut/router";
import { engineScaledObject } from "../infra/k8s/scaleOut/autoscaling";
import { timeBudgets } from "../infra/planner/budgets";
import { configErrorOf, deploymentOf, leaderWorkerSetOf, specFrom, stackSpec } from "./helpers";
import { CRD_VALIDATORS, validateObject } from "./schemaValidation";

/** Replicas behind the Inference Extension's router, and KEDA scaling them on the engine's metrics. */
const matches = (selector: Record<string, string>, podLabels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => podLabels[k] === v);

describe("h200-fp8-scale: three h200-fp8 replicas behind the router, autoscaled 2-4", () => {
  const spec = stackSpec("h200-fp8-scale");
  const m = stackManifests(spec);

  it("keeps h200-fp8's engine flag for flag; h200-fp8 itself has no router or autoscaler", () => {
    const base = stackManifests(stackSpec("h200-fp8"));
    expect(deploymentOf(m).spec!.template.spec!.containers[0]!.args).toEqual(
      deploymentOf(base).spec!.template.spec!.containers[0]!.args,
    );
    expect(deploymentOf(m).spec!.replicas).toBe(3);
    expect([base.router, base.httpRoute, base.scaledObject]).toEqual([undefined, undefined, undefined]);
  });

  it("the pool selects exactly the engine's serving pods, on the engine's port, through its endpoint picker", () => {
    const pool = routerPool(spec);
    const podLabels = deploymentOf(m).spec!.template.metadata!.labels!;
    expect(matches(pool.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(pool.spec.selector.matchLabels).toEqual(m.service.spec!.selector);
    expect(pool.spec.targetPorts).toEqual([{ number: 8000 }]);
    expect(pool.spec.endpointPickerRef).toEqual({
      name: "h200-fp8-scale-pool-epp",
      port: { number: 9002 },
      failureMode: "FailOpen",
    });
    // The chart writes the pool from these values (router.modelServers) and its EPP watches the release's name.
    const values = m.router!.values as {
      router: { modelServers: Record<string, unknown>; epp: Record<string, unknown> };
    };
    expect(values.router.modelServers).toEqual({
      type: "vllm",
      protocol: "http",
      targetPorts: [{ number: 8000 }],
      matchLabels: pool.spec.selector.matchLabels,
    });
    expect(m.router!.releaseName).toBe(pool.metadata.name);
    expect(m.router!.chart).toMatchObject({
      chart: "oci://ghcr.io/llm-d/charts/llm-d-router-gateway",
      version: "v0.9.0",
    });
    validateObject(pool as never);
  });

  it("the endpoint picker scores on prefix-cache hits (3), queue (2) and KV cache (2)", () => {
    const values = m.router!.values as {
      router: { epp: { pluginsConfigFile: string; pluginsCustomConfig: Record<string, string> } };
    };
    const config = parse(values.router.epp.pluginsCustomConfig[values.router.epp.pluginsConfigFile]!);
    expect(config.schedulingProfiles[0].plugins).toEqual([
      { pluginRef: "queue-scorer", weight: 2 },
      { pluginRef: "kv-cache-utilization-scorer", weight: 2 },
      { pluginRef: "prefix-cache-scorer", weight: 3 },
    ]);
    expect(eppConfig(specFrom({ engine: { kind: "sglang", enableMetrics: true } }))).toContain(
      'defaultEngine: "sglang"',
    );
  });

  it("an HTTPRoute from the named Gateway to the pool, valid against the HTTPRoute CRD", () => {
    expect(m.httpRoute!.spec).toEqual({
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: "inference-gateway",
          namespace: "inference-gateway",
        },
      ],
      rules: [
        {
          matches: [{ path: { type: "PathPrefix", value: "/" } }],
          backendRefs: [{ group: "inference.networking.k8s.io", kind: "InferencePool", name: "h200-fp8-scale-pool" }],
          timeouts: { request: "1800s" },
        },
      ],
    });
    validateObject(m.httpRoute as never);
  });

  it("a ScaledObject on vLLM's waiting requests and KV-cache use; scale-down waits the restart budget", () => {
    const so = m.scaledObject!;
    expect(m.budgets.startupSeconds).toBe(3471);
    expect(so.spec).toMatchObject({
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "h200-fp8-scale-engine" },
      pollingInterval: 30,
      cooldownPeriod: 3471,
      minReplicaCount: 2,
      maxReplicaCount: 4,
    });
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 3471,
      policies: [{ type: "Pods", value: 1, periodSeconds: 1800 }],
    });
    const sel = 'namespace="h200-fp8-scale",model_name="glm-5-fp8"';
    expect(so.spec.triggers.map((t) => [t.name, t.metadata.query, t.metadata.threshold])).toEqual([
      ["queue", `sum(vllm:num_requests_waiting{${sel}})`, "8"],
      ["kv-cache", `sum(vllm:kv_cache_usage_perc{${sel}})`, "0.8"],
    ]);
    expect(so.spec.triggers[0]!.metadata.serverAddress).toBe("http://prometheus-operated.monitoring.svc:9090");
    validateObject(so as never);
  });

  it("the HPA's stabilization window is capped at Kubernetes' 3600 s (h200-fp8's 7,250 s budget)", () => {
    const slow = specFrom({
      pod: { replicas: 2 },
      nodePool: { karpenter: { maxNodes: 2 } },
      weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "fsx-lustre", type: "fsx-lustre" } },
      autoscaling: { enabled: true },
      monitoring: { serviceMonitor: true },
    });
    const so = engineScaledObject(slow, timeBudgets(slow))!;
    expect(so.spec.cooldownPeriod).toBe(timeBudgets(slow).startupSeconds);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(3600);
  });
});

describe("groups and SGLang behind the router", () => {
  it("a multi-node group: the pool selects its leaders only, KEDA scales the LeaderWorkerSet", () => {
    const base = stackSpec("h100-fp8-group");
    const spec = specFrom({
      nodePool: { accelerator: "h100-80gb", nodes: 4, karpenter: { maxNodes: 8 } },
      engine: { dataParallelSize: 4, enableExpertParallel: true, dataParallelRpcPort: 13389 },
      weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "fsx-lustre", type: "fsx-lustre" } },
      leaderWorkerSet: { present: true },
      router: { enabled: true, gateway: { name: "gw" } },
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 2 },
      monitoring: { serviceMonitor: true },
    });
    expect(base.nodePool.nodes).toBe(4);
    const lws = leaderWorkerSetOf(stackManifests(spec));
    const selector = poolSelector(spec);
    expect(matches(selector, lws.spec.leaderWorkerTemplate.leaderTemplate!.metadata!.labels!)).toBe(true);
    expect(matches(selector, lws.spec.leaderWorkerTemplate.workerTemplate.metadata!.labels!)).toBe(false);
    expect(engineScaledObject(spec, timeBudgets(spec))!.spec.scaleTargetRef).toEqual({
      apiVersion: "leaderworkerset.x-k8s.io/v1",
      kind: "LeaderWorkerSet",
      name: "test-engine",
    });
  });

  it("SGLang: its queue and token-usage metrics", () => {
    const spec = specFrom({
      engine: { kind: "sglang", enableMetrics: true },
      autoscaling: { enabled: true },
      monitoring: { serviceMonitor: true },
      nodePool: { karpenter: { maxNodes: 2 } },
    });
    const so = engineScaledObject(spec, timeBudgets(spec))!;
    expect(so.spec.triggers.map((t) => t.metadata.query)).toEqual([
      'sum(sglang:num_queue_reqs{namespace="test",model_name="glm-5-fp8"})',
      'sum(sglang:token_usage{namespace="test",model_name="glm-5-fp8"})',
    ]);
    expect(routerRelease(spec)).toBeUndefined();
    expect(routerHttpRoute(spec)).toBeUndefined();
  });
});

describe("refused with the numbers", () => {
  const header = (n: number) =>
    `Stack "test" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.test.yaml):`;
  const scaled = { autoscaling: { enabled: true }, monitoring: { serviceMonitor: true } };

  it("a maximum the NodePool cannot hold", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          ...scaled,
          autoscaling: { enabled: true, maxReplicas: 5 },
          nodePool: { karpenter: { maxNodes: 4 } },
        }),
      ),
    ).toBe(
      [
        header(1),
        "  - glm-serving:autoscaling.maxReplicas = 5",
        "      allowed: at most 4: 5 replicas x 1 node(s) x 8 nvidia.com/gpu = 40, more than the NodePool's limit of 4 nodes x 8 = 32",
        "      fix:     pulumi config set --path autoscaling.maxReplicas 4, or pulumi config set --path nodePool.karpenter.maxNodes 5",
      ].join("\n"),
    );
  });

  it("scale to zero only when asked; a router needs a Gateway; KEDA needs the metrics scraped", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          autoscaling: { enabled: true, minReplicas: 0 },
          router: { enabled: true },
          nodePool: { karpenter: { maxNodes: 2 } },
        }),
      ),
    ).toBe(
      [
        header(3),
        "  - glm-serving:router.gateway.name = (not set)",
        "      allowed: the name of a Gateway in the cluster (kgateway, Istio, GKE or any Gateway API implementation) for the HTTPRoute",
        "      fix:     pulumi config set --path router.gateway.name inference-gateway",
        "  - glm-serving:monitoring.serviceMonitor = false",
        "      allowed: true with autoscaling.enabled (KEDA reads the engine's metrics from Prometheus, which must scrape them)",
        "      fix:     pulumi config set --path monitoring.serviceMonitor true",
        "  - glm-serving:autoscaling.minReplicas = 0",
        "      allowed: 1 or more, unless autoscaling.scaleToZero is true (every request after idle then waits for a cold start)",
        "      fix:     pulumi config set --path autoscaling.minReplicas 1, or pulumi config set --path autoscaling.scaleToZero true",
      ].join("\n"),
    );
    const zero = specFrom({
      ...scaled,
      autoscaling: { enabled: true, minReplicas: 0, scaleToZero: true },
      nodePool: { karpenter: { maxNodes: 2 } },
    });
    expect(engineScaledObject(zero, timeBudgets(zero))!.spec.minReplicaCount).toBe(0);
  });

  it("SGLang without --enable-metrics behind the router", () => {
    expect(
      configErrorOf(() => specFrom({ engine: { kind: "sglang" }, router: { enabled: true, gateway: { name: "gw" } } })),
    ).toBe(
      [
        header(1),
        "  - glm-serving:engine.enableMetrics = false",
        "      allowed: true with router.enabled (the endpoint picker scores replicas on their /metrics)",
        "      fix:     pulumi config set --path engine.enableMetrics true",
      ].join("\n"),
    );
  });

  it("property: a ScaledObject is accepted exactly when maxReplicas x group nodes fits the pool's maxNodes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 24 }),
        (max, nodes, maxNodes) => {
          const values = {
            "glm-serving:nodePool": JSON.stringify({ accelerator: "h100-80gb", nodes, karpenter: { maxNodes } }),
            "glm-serving:engine": JSON.stringify({
              dataParallelSize: nodes,
              enableExpertParallel: nodes > 1,
              dataParallelRpcPort: 13389,
            }),
            "glm-serving:weightCache": JSON.stringify({ accessMode: "ReadWriteMany" }),
            "glm-serving:leaderWorkerSet": JSON.stringify({ present: true }),
            "glm-serving:autoscaling": JSON.stringify({ enabled: true, minReplicas: 1, maxReplicas: max }),
            "glm-serving:monitoring": JSON.stringify({ serviceMonitor: true }),
          };
          let message = "";
          try {
            loadSpec({ stack: "p", values, secretKeys: new Set() });
          } catch (e) {
            message = (e as Error).message;
          }
          const refused = message.includes("glm-serving:autoscaling.maxReplicas");
          expect(refused).toBe(max * nodes > maxNodes);
          if (refused)
            expect(message).toContain(
              `= ${max * nodes * 8}, more than the NodePool's limit of ${maxNodes} nodes x 8 = ${maxNodes * 8}`,
            );
        },
      ),
      { numRuns: 150, seed: 14 },
    );
  });
});

describe("the CRDs are there to validate against", () => {
  it.skipIf(CRD_VALIDATORS["keda.sh/v1alpha1/ScaledObject"] === undefined)(
    "HTTPRoute, InferencePool, ScaledObject",
    () => {
      const bad = { ...routerPool(stackSpec("h200-fp8-scale")), spec: { selector: { matchLabels: {} } } };
      expect(() => validateObject(bad as never)).toThrow(/not valid against its CRD/);
    },
  );
});
