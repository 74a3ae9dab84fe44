import type { AcceleratorEntry } from "../catalog/accelerators";
import type { MoeArchitecture } from "../catalog/architectures";
import type { KvLayout } from "./kvCache";

/**
 * How each engine splits a device's memory, and what it needs besides weights and KV cache.
 *
 * vLLM (and vLLM-Ascend) profile at start: the KV cache gets
 *   total x gpu-memory-utilization - weights - activation peak - non-torch memory [- CUDA graphs]
 * (`gpu_worker.determine_available_memory`; the activation peak is measured on a dummy batch of
 * `max-num-batched-tokens`). CUDA-graph memory is estimated and subtracted before the KV cache is
 * allocated only where the image's vLLM does so (engines/vllm/versions.ts); otherwise graphs are
 * captured afterwards, out of the share the utilisation leaves free. The MTP draft layer is one more
 * layer of the same KV cache, and its weights are loaded with the model. The engine refuses to start
 * when the cache cannot hold one sequence of `max-model-len` tokens.
 *
 * SGLang reserves `mem-fraction-static` of the device for the target model's weights plus its KV pool:
 *   KV pool = total x mem-fraction-static - (memory in use before loading) - weights
 * (`model_runner.profile_max_num_token`). Everything else is allocated afterwards, out of the rest:
 * activations, CUDA graphs, the request-to-token table (`ReqToTokenPool`: max running requests + 1
 * rows of context-length int32), and for EAGLE/MTP the draft worker's weights and its one-layer KV
 * pool, sized to the target's tokens plus draft and verify headroom (`draft_runner_cache_size`).
 *
 * The constants below are estimates, stated as such in `npm run plan`: the activation peak from the
 * tensors a batched token touches (hidden states, its top-k experts' inputs and intermediates), the
 * sampler's fp32 logits for `max-num-seqs` sequences and the DSA indexer's scores; communication
 * buffers and graphs from engine logs of DeepSeek-V3-class models (1-4 GiB of graphs, 1-2 GiB of
 * NCCL/HCCL buffers at 8-16 ranks).
 */
export type PlannerEngine = "vllm" | "sglang" | "vllm-ascend" | "llama-cpp";

const GiB = 2 ** 30;

export interface EngineMemoryModel {
  readonly engine: PlannerEngine;
  readonly kvLayout: KvLayout;
  /** How the memory fraction is read: vLLM's utilisation cap, or SGLang's static share. */
  readonly budget: "utilization" | "static-fraction";
  /** The fraction flag and its default when a stack leaves it unset. */
  readonly fractionFlag: string;
  readonly defaultFraction: number;
  /** CUDA context, cuBLAS workspaces and collective-communication buffers. */
  nonTorchBytes(worldSize: number): number;
  readonly graphBytes: number;
  defaultMaxNumBatchedTokens(acc: AcceleratorEntry): number;
  defaultMaxNumSeqs(acc: AcceleratorEntry): number;
  /** Tokens are allocated in blocks of this many. */
  readonly blockTokens: number;
  /**
   * Where the MTP draft's weights and KV cache live: in the main budget (vLLM: its layer joins the
   * one KV cache) or outside the memory fraction (SGLang's draft worker allocates after the target).
   */
  readonly draftPool: "inside" | "outside";
  /** Config paths of the settings the planner suggests changing. */
  readonly paths: { readonly fraction: string; readonly context: string; readonly sequences: string };
}

/** vLLM's defaults for online serving: larger batches on >= 70 GiB GPUs other than A100. */
function vllmLargeGpu(acc: AcceleratorEntry): boolean {
  return acc.memoryBytes >= 70 * GiB && acc.id !== "a100-80gb";
}

export const ENGINE_MEMORY: Record<PlannerEngine, EngineMemoryModel> = {
  vllm: {
    engine: "vllm",
    kvLayout: "vllm-cuda",
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
  },
  "vllm-ascend": {
    engine: "vllm-ascend",
    kvLayout: "vllm-ascend",
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
  },
  // llama.cpp has no memory fraction: it allocates the weights its layout puts on the GPU, the KV
  // cache of --ctx-size and its compute buffer, and fails to load when they do not fit (planner/offload.ts).
  "llama-cpp": {
    engine: "llama-cpp",
    kvLayout: "llama-cpp",
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
  },
  sglang: {
    engine: "sglang",
    kvLayout: "sglang",
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
  },
};

/**
 * Activation peak of a profile batch: per batched token its hidden states (a few copies of the
 * residual stream) and, for each of its top-k experts, the routed copy of its input and the expert's
 * gate/up output, in BF16; plus fp32 logits over the vocabulary for `maxNumSeqs` sampled sequences
 * and the DSA indexer's fp32 scores of the batch against itself and its top-k index buffer.
 */
export function activationPeakBytes(a: MoeArchitecture, batchedTokens: number, maxNumSeqs: number): number {
  const perToken = 2 * (4 * a.hiddenSize + a.expertsPerToken * (a.hiddenSize + 2 * a.moeIntermediateSize));
  const sampler = maxNumSeqs * a.vocabSize * 4;
  const indexer = a.indexer ? batchedTokens * batchedTokens * 4 + batchedTokens * a.indexer.topK * 4 : 0;
  return batchedTokens * perToken + sampler + indexer;
}

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
