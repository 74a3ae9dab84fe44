import { MTP_METHODS } from "../catalog/vllmChoices";
import type { ServingSpec } from "../config/spec";
import { quantityToBytes } from "./quantity";
import { planCapacity, type CapacityInput, type CapacityPlan } from "./capacity";

/** The planner's view of a vLLM stack: one node, the engine's flags, the pod's host memory. */
export function capacityInput(spec: ServingSpec): CapacityInput {
  const e = spec.engine;
  return {
    stack: spec.stack,
    model: spec.model.entry,
    accelerator: spec.accelerator,
    engine: "vllm",
    nodes: 1,
    tensor: e.tensorParallelSize,
    pipeline: e.pipelineParallelSize,
    data: e.dataParallelSize,
    expertParallel: e.enableExpertParallel,
    ...(e.gpuMemoryUtilization !== undefined ? { memoryFraction: e.gpuMemoryUtilization } : {}),
    ...(e.maxModelLen !== undefined ? { maxModelLen: e.maxModelLen } : {}),
    ...(e.maxNumSeqs !== undefined ? { maxNumSeqs: e.maxNumSeqs } : {}),
    ...(e.maxNumBatchedTokens !== undefined ? { maxNumBatchedTokens: e.maxNumBatchedTokens } : {}),
    kvDtype: e.kvCacheDtype?.startsWith("fp8") ? "fp8" : "bf16",
    mtpDraft: e.speculative !== undefined && MTP_METHODS.includes(e.speculative.method),
    cpuOffloadGiB: e.cpuOffloadGb ?? 0,
    hostMemoryBytes: quantityToBytes(spec.pod.memory),
  };
}

export function planStack(spec: ServingSpec): CapacityPlan {
  return planCapacity(capacityInput(spec));
}
