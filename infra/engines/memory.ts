import type { AcceleratorEntry } from "../catalog/accelerators";
import type { EngineConfig } from "./schema";

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

/** The KV cache's element type as the planner counts it. */
export type KvDtype = "bf16" | "fp8";

export interface ExpertOffload {
  /** `--n-gpu-layers`. */
  readonly gpuLayers: number;
  /** `--n-cpu-moe`: blocks, from the first, whose routed experts stay in host memory. */
  readonly cpuMoeLayers: number;
  /** `--override-tensor exps=CPU`: every routed expert in host memory. */
  readonly allExpertsOnCpu: boolean;
  /** `--ctx-size` (the model's length when unset). */
  readonly ctxSize: number;
  /** GPUs the layers are split over. */
  readonly gpus: number;
}

/**
 * The planner's view of an engine's settings: what a driver's `capacity` returns; the planner adds the
 * stack, model, accelerator, nodes and host memory (planner/capacity.ts's CapacityInput).
 */
export interface EngineCapacity {
  readonly engine: EngineConfig["kind"];
  readonly tensor: number;
  readonly pipeline: number;
  readonly data: number;
  readonly expertParallel: boolean;
  /** vLLM `--gpu-memory-utilization` / SGLang `--mem-fraction-static`; the engine default when unset. */
  readonly memoryFraction?: number;
  readonly maxModelLen?: number;
  /** vLLM `--max-num-seqs` / SGLang `--max-running-requests`; the engine's default when unset. */
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  /** The KV cache's dtype as the engine resolves it (its default applied by the engine's driver). */
  readonly kvDtype: KvDtype;
  /** Why that dtype, when the engine chose it (shown in the plan). */
  readonly kvDtypeReason?: string;
  /** The KV dtype the engine would choose on another accelerator (for the bigger-devices alternative). */
  readonly kvDtypeOn?: (acc: AcceleratorEntry) => { kvDtype: KvDtype; kvDtypeReason: string };
  /** Speculative decoding drafts with the checkpoint's MTP layer (loaded, with a KV cache of its own). */
  readonly mtpDraft: boolean;
  /** SGLang's draft tree (steps, branches, verified tokens): sizes its draft pool's headroom. */
  readonly draftTree?: { readonly numSteps: number; readonly eagleTopk: number; readonly numDraftTokens: number };
  /** vLLM: whether CUDA graphs are charged to the KV budget (engine version), and why. Default yes. */
  readonly graphsInBudget?: boolean;
  readonly graphsReason?: string;
  /** vLLM `--cpu-offload-gb`: GiB of weights per device kept in host memory. */
  readonly cpuOffloadGiB: number;
  /** `pod.replicas`: copies of the whole serving group, each on its own nodes. Default 1. */
  readonly podReplicas?: number;
  /** Whether the stack may become a multi-node group (an engine and target that run one). */
  readonly groupsAllowed?: boolean;
  /** The most replicas the stack may run (autoscaling's maximum, else pod.replicas) and its pool's node limit. */
  readonly maxGroups?: number;
  readonly poolMaxNodes?: number;
  /** llama.cpp: which layers and experts sit on the GPU and which in host memory (planner/offload.ts). */
  readonly expertOffload?: ExpertOffload;
}
