import { engineDriver } from "../../engines";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** A ServiceMonitor scrapes /metrics, which the engine must serve. */
export function monitoringRules(cfg: StackConfig): ConfigProblem[] {
  if (!cfg.monitoring.serviceMonitor || engineDriver(cfg.engine).servesMetrics(cfg.engine)) return [];
  return [
    {
      path: "engine.enableMetrics",
      value: false,
      allowed: "true when monitoring.serviceMonitor is on (the ServiceMonitor scrapes /metrics)",
      fix: setCommand("engine.enableMetrics", "true"),
    },
  ];
}
