import { engineDriver, kindsWhere } from "../../engines";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** One Docker host runs one engine container: what a cluster adds has no place there. */
export function dockerTargetRules(cfg: StackConfig): ConfigProblem[] {
  if (cfg.target !== "docker") return [];
  const problems: ConfigProblem[] = [];
  const refuse = (path: string, value: unknown, allowed: string, fix: string) =>
    problems.push({ path, value, allowed, fix });
  if (!engineDriver(cfg.engine).docker) {
    refuse(
      "engine.kind",
      cfg.engine.kind,
      `${kindsWhere((d) => d.docker)} with target docker (a GPU host)`,
      "set target to kubernetes for Ascend NPUs",
    );
  }
  if (cfg.nodePool.nodes > 1)
    refuse("nodePool.nodes", cfg.nodePool.nodes, "1 with target docker (one host)", setCommand("nodePool.nodes", 1));
  if (cfg.pod.replicas > 1)
    refuse("pod.replicas", cfg.pod.replicas, "1 with target docker (one host)", setCommand("pod.replicas", 1));
  if (cfg.benchmark.enabled) {
    refuse(
      "benchmark.enabled",
      true,
      "false with target docker (the benchmark is a Kubernetes Job)",
      setCommand("benchmark.enabled", "false"),
    );
  }
  if (cfg.images.build) {
    refuse(
      "images.build",
      true,
      "false with target docker (pin the engine image by tag and digest instead)",
      setCommand("images.build", "false"),
    );
  }
  if (cfg.smokeTest.enabled) {
    refuse(
      "smokeTest.enabled",
      true,
      "false with target docker (the smoke test is a Kubernetes Job)",
      setCommand("smokeTest.enabled", "false"),
    );
  }
  if (cfg.monitoring.serviceMonitor) {
    refuse(
      "monitoring.serviceMonitor",
      true,
      "false with target docker (no Prometheus operator there)",
      setCommand("monitoring.serviceMonitor", "false"),
    );
  }
  if (cfg.externalSecrets.enabled) {
    refuse(
      "externalSecrets.enabled",
      true,
      "false with target docker (credentials come from Pulumi secrets)",
      setCommand("externalSecrets.enabled", "false"),
    );
  }
  return problems;
}
