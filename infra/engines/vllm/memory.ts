import type { AcceleratorEntry } from "../../catalog/accelerators";
import { GiB, type EngineMemoryModel } from "../memory";

/** vLLM's defaults for online serving: larger batches on >= 70 GiB GPUs other than A100. */
function vllmLargeGpu(acc: AcceleratorEntry): boolean {
  return acc.memoryBytes >= 70 * GiB && acc.id !== "a100-80gb";
}

/** vLLM's memory rules (engines/memory.ts): a utilisation cap it profiles against at start. */
export const VLLM_MEMORY: EngineMemoryModel = {
  indexerKeys: "fp8-scaled",
  cpuOffload: true,
  // A group's ranks meet at the data-parallel RPC port, which has no default.
  groupSettings: () => ({ "engine.dataParallelRpcPort": 13389 }),
  budget: "utilization",
  fractionFlag: "--gpu-memory-utilization",
  defaultFraction: 0.9,
  nonTorchBytes: (world) => (world > 1 ? 2 * GiB : 1 * GiB),
  graphBytes: 2 * GiB,
  defaultMaxNumBatchedTokens: (acc) => (vllmLargeGpu(acc) ? 8192 : 2048),
  defaultMaxNumSeqs: (acc) => (vllmLargeGpu(acc) ? 1024 : 256),
  blockTokens: 64,
  draftPool: "inside",
  paths: { fraction: "engine.gpuMemoryUtilization", context: "engine.maxModelLen", sequences: "engine.maxNumSeqs" },
};
