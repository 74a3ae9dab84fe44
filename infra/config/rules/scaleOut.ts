import { ACCELERATORS } from "../../catalog/accelerators";
import { engineDriver } from "../../engines";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/**
 * Rules of the router and the autoscaler: what they need from the cluster and the rest of the stack.
 * The autoscaler's maximum is bounded by the NodePool: every replica is a whole group of nodes, and
 * Karpenter never launches more accelerators than the pool's limit (maxNodes x devices per node).
 */
export function scaleOutRules(cfg: StackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const r = cfg.router;
  const a = cfg.autoscaling;
  if (!r.enabled && !a.enabled) return problems;
  if (cfg.target === "docker") {
    for (const [path, on] of [
      ["router.enabled", r.enabled],
      ["autoscaling.enabled", a.enabled],
    ] as const) {
      if (on)
        problems.push({
          path,
          value: true,
          allowed: "false with target docker (one host)",
          fix: setCommand(path, "false"),
        });
    }
    return problems;
  }
  const metrics = engineDriver(cfg.engine).servesMetrics(cfg.engine);
  if (r.enabled && r.gateway.name === undefined) {
    problems.push({
      path: "router.gateway.name",
      value: undefined,
      allowed:
        "the name of a Gateway in the cluster (kgateway, Istio, GKE or any Gateway API implementation) for the HTTPRoute",
      fix: setCommand("router.gateway.name", "inference-gateway"),
    });
  }
  if (!metrics) {
    problems.push({
      path: "engine.enableMetrics",
      value: false,
      allowed: `true with ${r.enabled ? "router.enabled (the endpoint picker scores replicas on their /metrics)" : "autoscaling.enabled (KEDA scales on the engine's metrics)"}`,
      fix: setCommand("engine.enableMetrics", "true"),
    });
  }
  if (!a.enabled) return problems;
  if (!cfg.monitoring.serviceMonitor) {
    problems.push({
      path: "monitoring.serviceMonitor",
      value: false,
      allowed:
        "true with autoscaling.enabled (KEDA reads the engine's metrics from Prometheus, which must scrape them)",
      fix: setCommand("monitoring.serviceMonitor", "true"),
    });
  }
  if (a.minReplicas === 0 && !a.scaleToZero) {
    problems.push({
      path: "autoscaling.minReplicas",
      value: 0,
      allowed:
        "1 or more, unless autoscaling.scaleToZero is true (every request after idle then waits for a cold start)",
      fix: `${setCommand("autoscaling.minReplicas", 1)}, or ${setCommand("autoscaling.scaleToZero", "true")}`,
    });
  }
  if (a.minReplicas > a.maxReplicas) {
    problems.push({
      path: "autoscaling.minReplicas",
      value: a.minReplicas,
      allowed: `at most autoscaling.maxReplicas (${a.maxReplicas})`,
      fix: setCommand("autoscaling.minReplicas", a.maxReplicas),
    });
  }
  if (cfg.pod.replicas < a.minReplicas || cfg.pod.replicas > a.maxReplicas) {
    problems.push({
      path: "pod.replicas",
      value: cfg.pod.replicas,
      allowed: `between autoscaling.minReplicas and maxReplicas (${a.minReplicas}-${a.maxReplicas}): the replicas the stack starts with`,
      fix: setCommand("pod.replicas", Math.min(Math.max(cfg.pod.replicas, a.minReplicas, 1), a.maxReplicas)),
    });
  }
  if (cfg.nodePool.provisioner === "karpenter") {
    const acc = ACCELERATORS[cfg.nodePool.accelerator];
    const nodes = cfg.nodePool.nodes;
    // The pool's limit: as set, else its default (the replicas the stack starts with, whole groups).
    const maxNodes = cfg.nodePool.karpenter.maxNodes ?? cfg.pod.replicas * nodes;
    if (a.maxReplicas * nodes > maxNodes) {
      const per = acc.devicesPerNode;
      problems.push({
        path: "autoscaling.maxReplicas",
        value: a.maxReplicas,
        allowed: `at most ${Math.floor(maxNodes / nodes)}: ${a.maxReplicas} replicas x ${nodes} node(s) x ${per} ${acc.resourceName} = ${a.maxReplicas * nodes * per}, more than the NodePool's limit of ${maxNodes} nodes x ${per} = ${maxNodes * per}`,
        fix: `${setCommand("autoscaling.maxReplicas", Math.floor(maxNodes / nodes))}, or ${setCommand("nodePool.karpenter.maxNodes", a.maxReplicas * nodes)}`,
      });
    }
  }
  return problems;
}
