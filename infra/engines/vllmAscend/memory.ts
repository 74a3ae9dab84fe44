import { GiB, type EngineMemoryModel } from "../memory";

/** vLLM-Ascend's memory rules (engines/memory.ts): vLLM's, with HCCL buffers and BF16 indexer keys. */
export const VLLM_ASCEND_MEMORY: EngineMemoryModel = {
  indexerKeys: "bf16",
  cpuOffload: false,
  groupSettings: () => ({ "engine.dataParallelRpcPort": 13389 }),
  budget: "utilization",
  fractionFlag: "--gpu-memory-utilization",
  defaultFraction: 0.9,
  // HCCL_BUFFSIZE=200 (MB) per communicator, both directions, for the TP, EP and DP groups.
  nonTorchBytes: (world) => (world > 1 ? 2.5 * GiB : 1 * GiB),
  graphBytes: 1 * GiB,
  defaultMaxNumBatchedTokens: () => 2048,
  defaultMaxNumSeqs: () => 256,
  blockTokens: 128,
  draftPool: "inside",
  paths: { fraction: "engine.gpuMemoryUtilization", context: "engine.maxModelLen", sequences: "engine.maxNumSeqs" },
};
