import { GiB, type EngineMemoryModel } from "../memory";

/**
 * SGLang's request limit when `--max-running-requests` is unset (`model_runner.init_memory_pool`):
 * 512 requests per context length of pool tokens, at least 2,048 and at most 4,096.
 */
export function sglangDefaultMaxRequests(poolTokens: number, contextLength: number): number {
  return Math.min(Math.max(Math.floor((poolTokens / contextLength) * 512), 2048), 4096);
}

/**
 * Tokens SGLang's draft pool holds beyond the target's (`draft_runner_cache_size`): per request the
 * draft steps' tokens (steps x top-k) and the verified tokens, plus 100.
 */
export function sglangDraftHeadroomTokens(
  maxRequests: number,
  s: { numSteps: number; eagleTopk: number; numDraftTokens: number },
): number {
  return maxRequests * s.numSteps * s.eagleTopk + maxRequests * s.numDraftTokens + 100;
}

/** SGLang's memory rules (engines/memory.ts): a static share for weights and the KV pool. */
export const SGLANG_MEMORY: EngineMemoryModel = {
  indexerKeys: "fp8-scaled",
  cpuOffload: false,
  // Its ranks meet at engine.distInitPort (it has a default); --ep-size spans the layout's ranks (a
  // tuned stack may pin it for one node).
  groupSettings: (data, tensor) => ({ "engine.expertParallelSize": data * tensor }),
  defaultMaxRequests: sglangDefaultMaxRequests,
  draftHeadroomTokens: sglangDraftHeadroomTokens,
  budget: "static-fraction",
  fractionFlag: "--mem-fraction-static",
  defaultFraction: 0.88,
  nonTorchBytes: (world) => (world > 1 ? 2 * GiB : 1 * GiB),
  graphBytes: 3 * GiB,
  defaultMaxNumBatchedTokens: () => 8192,
  // Not used: SGLang derives its request limit from the pool (sglangDefaultMaxRequests).
  defaultMaxNumSeqs: () => 2048,
  // NSA models run with page size 64 (server_args.py).
  blockTokens: 64,
  draftPool: "outside",
  paths: {
    fraction: "engine.memFractionStatic",
    context: "engine.contextLength",
    sequences: "engine.maxRunningRequests",
  },
};
