import type { AcceleratorEntry } from "../catalog/accelerators";

/**
 * How an engine splits a device's memory, and what it needs besides weights and KV cache: each
 * driver's `memory` (engines/<kind>/memory.ts), read by the planner (planner/capacity.ts).
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
export type IndexerKeyCache = "fp8-scaled" | "bf16";

export const GiB = 2 ** 30;

export interface EngineMemoryModel {
  /**
   * How the DSA indexer's key cache is stored per token and layer: fp8 with one fp32 scale per 128
   * values (vLLM on CUDA, SGLang), or BF16 (vLLM-Ascend, llama.cpp). See planner/kvCache.ts.
   */
  readonly indexerKeys: IndexerKeyCache;
  /** Whether the engine can keep part of the weights in host memory (vLLM's --cpu-offload-gb). */
  readonly cpuOffload: boolean;
  /**
   * Settings a multi-node alternative of DP`data` x TP`tensor` needs besides the shared ones: how
   * the group's ranks meet (vLLM's RPC port; SGLang has a default port) or its expert-parallel span.
   */
  groupSettings(data: number, tensor: number): Readonly<Record<string, number>>;
  /** A static-fraction engine's request limit when unset, from its pool (SGLang). */
  defaultMaxRequests?(poolTokens: number, contextLength: number): number;
  /** Tokens a static-fraction engine's draft pool holds beyond the target's (SGLang). */
  draftHeadroomTokens?(
    maxRequests: number,
    tree: { numSteps: number; eagleTopk: number; numDraftTokens: number },
  ): number;
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
