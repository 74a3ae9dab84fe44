import { GiB, type EngineMemoryModel } from "../memory";

/**
 * llama.cpp has no memory fraction: it allocates the weights its layout puts on the GPU, the KV
 * cache of --ctx-size and its compute buffer, and fails to load when they do not fit (planner/offload.ts).
 */
export const LLAMA_CPP_MEMORY: EngineMemoryModel = {
  indexerKeys: "bf16",
  // Its offload is by layers and experts (engine.nCpuMoe, planner/offload.ts), not --cpu-offload-gb.
  cpuOffload: false,
  groupSettings: () => ({}),
  budget: "utilization",
  fractionFlag: "(none: llama.cpp allocates what its layout needs)",
  defaultFraction: 1,
  nonTorchBytes: () => 1 * GiB,
  graphBytes: 2 * GiB,
  // The default micro-batch (--ubatch-size 512) and one slot.
  defaultMaxNumBatchedTokens: () => 512,
  defaultMaxNumSeqs: () => 1,
  blockTokens: 1,
  draftPool: "inside",
  paths: { fraction: "(none)", context: "engine.ctxSize", sequences: "engine.parallel" },
};
