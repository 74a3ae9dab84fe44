import { ACCELERATORS, type AcceleratorEntry } from "../../catalog/accelerators";
import { engineDriver } from "../../engines";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";
import { resolvedEngine } from "./resolvedEngine";

/** Accelerator and devices: the engine's vendor and its parallel ranks against one node of the pool. */

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/** The engine against the pool: vendor, and parallelism that fits one node. */
export function parallelismRules(cfg: StackConfig, acc: AcceleratorEntry): ConfigProblem[] {
  const driver = engineDriver(cfg.engine);
  const e = resolvedEngine(cfg, acc);
  const problems: ConfigProblem[] = [];
  const n = acc.devicesPerNode;
  if (!driver.vendors.includes(acc.vendor)) {
    const fitting = Object.values(ACCELERATORS)
      .filter((a) => driver.vendors.includes(a.vendor))
      .map((a) => a.id);
    problems.push({
      path: "nodePool.accelerator",
      value: acc.id,
      allowed: `an accelerator engine.kind ${e.kind} runs on (${fitting.join(", ")})`,
      fix: `set nodePool.accelerator to one of ${fitting.join(", ")}, or choose the engine for ${acc.vendor} devices`,
    });
  }
  const tp = e.tensorParallelSize ?? n;
  if (n % tp !== 0) {
    problems.push({
      path: "engine.tensorParallelSize",
      value: tp,
      allowed: `a divisor of the ${n} devices of one ${acc.id} node: ${divisors(n).join(", ")}`,
      fix: setCommand("engine.tensorParallelSize", n),
    });
  } else if (cfg.nodePool.nodes === 1) {
    const devices = driver.devicesPerPod(e);
    if (devices > n && driver.devicesField) {
      problems.push({
        path: driver.devicesField,
        value: devices,
        allowed: `at most the ${n} devices of one ${acc.id} node`,
        fix: setCommand(driver.devicesField, n),
      });
    } else if (devices > n) {
      problems.push({
        path: "engine.dataParallelSize",
        value: e.dataParallelSize,
        allowed: `parallel ranks (tensor x pipeline x data = ${devices}) at most the ${n} devices of one ${acc.id} node`,
        fix: `lower engine.dataParallelSize (or pipelineParallelSize) so the ranks fit in ${n} devices`,
      });
    }
  }
  return problems;
}
