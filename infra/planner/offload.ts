import type { MoeArchitecture } from "../catalog/architectures";
import type { ExpertOffload } from "../engines/memory";
import type { Quantization } from "../catalog/models";
import { mlaBytesPerTokenPerLayer } from "./kvCache";
import { groupBytes } from "../catalog/quantization";
import { tensorInventory, type TensorGroup } from "../catalog/tensors";

/**
 * Where llama.cpp puts a GGUF model's weights: on the GPUs or in host memory.
 *
 * llama.cpp counts the GGUF's blocks (GLM-5: 78 decoder layers plus the nextn block, 79; the nextn
 * block is loaded though llama-server does not draft with it). `--n-gpu-layers N` stores the last N
 * blocks on the GPUs (and the output head when N exceeds the block count); the token embedding
 * always stays in host memory. `--n-cpu-moe N` keeps the routed experts (`ffn_*_exps`) of the first N
 * blocks in host memory, and `--override-tensor exps=CPU` all of them; the rest of those blocks
 * (attention, indexer, shared expert, router) stays on the GPU. (llama.cpp common/arg.cpp and
 * src/llama-model.cpp; tools/server/README.md.)
 *
 * The KV cache is allocated whole at start for `--ctx-size` tokens (all slots together), in F16 by
 * default: the MLA latent (kv_lora_rank + qk_rope_head_dim) per block plus, counted as an upper
 * bound, the DSA indexer's key in F16. Besides weights and KV the GPU holds the CUDA context and
 * llama.cpp's compute buffer: COMPUTE_BYTES, an estimate from llama.cpp load logs of DeepSeek-class
 * models at the default micro-batch of 512 (1-3 GiB of "CUDA0 compute buffer", plus the context).
 * Host memory holds the weights kept there (resident: the pod's memory limit must hold them, or every
 * token would read them from disk) and HOST_BASELINE_BYTES for the process, its CPU compute buffer
 * and the page cache a load streams through.
 */
const GiB = 2 ** 30;
export const COMPUTE_BYTES = 3 * GiB;
export const HOST_BASELINE_BYTES = 8 * GiB;

export type { ExpertOffload };

export interface OffloadPlacement {
  readonly blocks: number;
  /** Weights on the most loaded GPU (layers split evenly). */
  readonly deviceWeightBytes: number;
  readonly hostWeightBytes: number;
  readonly kvBytesPerToken: number;
  readonly kvBytes: number;
  readonly computeBytes: number;
  /** Host memory the pod needs: weights kept there plus the baseline. */
  readonly hostBytes: number;
}

function isRoutedExpert(g: TensorGroup): boolean {
  return g.name === "moe.routed_experts.gate_up" || g.name === "moe.routed_experts.down";
}

/** Bytes of one block of a scope, split into its routed experts and the rest. */
function blockBytes(a: MoeArchitecture, q: Quantization, scope: "layer" | "mtp") {
  const groups = tensorInventory(a).filter((g) => g.scope === scope);
  const moeBlocks = scope === "layer" ? a.numHiddenLayers - a.firstDenseLayers : a.mtpLayers;
  const blocks = scope === "layer" ? a.numHiddenLayers : a.mtpLayers;
  const experts = groups.filter(isRoutedExpert).reduce((s, g) => s + groupBytes(g, q), 0);
  const rest = groups.filter((g) => !isRoutedExpert(g)).reduce((s, g) => s + groupBytes(g, q), 0);
  return { expertsPerMoeBlock: moeBlocks > 0 ? experts / moeBlocks : 0, restPerBlock: blocks > 0 ? rest / blocks : 0 };
}

export function offloadPlacement(a: MoeArchitecture, q: Quantization, o: ExpertOffload): OffloadPlacement {
  const blocks = a.numHiddenLayers + a.mtpLayers;
  const main = blockBytes(a, q, "layer");
  const mtp = blockBytes(a, q, "mtp");
  const model = tensorInventory(a).filter((g) => g.scope === "model");
  const embedding = model.filter((g) => g.name === "embed_tokens").reduce((s, g) => s + groupBytes(g, q), 0);
  const output = model.filter((g) => g.name !== "embed_tokens").reduce((s, g) => s + groupBytes(g, q), 0);
  const firstGpuBlock = Math.max(0, blocks - o.gpuLayers);
  let device = o.gpuLayers > blocks ? output : 0;
  let host = embedding + (o.gpuLayers > blocks ? 0 : output);
  for (let b = 0; b < blocks; b++) {
    const isMtp = b >= a.numHiddenLayers;
    const bytes = isMtp ? mtp : main;
    const experts = isMtp || b >= a.firstDenseLayers ? bytes.expertsPerMoeBlock : 0;
    const onGpu = b >= firstGpuBlock;
    const expertsOnCpu = o.allExpertsOnCpu || b < o.cpuMoeLayers;
    device += onGpu ? bytes.restPerBlock + (expertsOnCpu ? 0 : experts) : 0;
    host += onGpu ? (expertsOnCpu ? experts : 0) : bytes.restPerBlock + experts;
  }
  const gpuBlocks = blocks - firstGpuBlock;
  const indexer = a.indexer ? a.indexer.headDim * 2 : 0;
  const kvBytesPerToken = gpuBlocks * (mlaBytesPerTokenPerLayer(a, "bf16") + indexer);
  const kvBytes = kvBytesPerToken * o.ctxSize;
  return {
    blocks,
    deviceWeightBytes: Math.ceil(device / o.gpus),
    hostWeightBytes: Math.ceil(host),
    kvBytesPerToken: Math.ceil(kvBytesPerToken / o.gpus),
    kvBytes: Math.ceil(kvBytes / o.gpus),
    computeBytes: COMPUTE_BYTES,
    hostBytes: Math.ceil(host) + HOST_BASELINE_BYTES,
  };
}

/** Whether a placement fits a device of `deviceBytes` and a pod of `hostBytes` host memory. */
export function placementFits(p: OffloadPlacement, deviceBytes: number, hostBytes: number | undefined): boolean {
  return (
    p.deviceWeightBytes + p.kvBytes + p.computeBytes <= deviceBytes &&
    (hostBytes === undefined || p.hostBytes <= hostBytes)
  );
}

/**
 * The fewest `--n-cpu-moe` blocks that leave the GPU room for the rest and `marginBytes` free, or
 * undefined when even every expert in host memory does not fit the GPU or the host.
 */
export function smallestCpuMoe(
  a: MoeArchitecture,
  q: Quantization,
  o: Omit<ExpertOffload, "cpuMoeLayers" | "allExpertsOnCpu">,
  deviceBytes: number,
  hostBytes: number | undefined,
  marginBytes = 0,
): { cpuMoeLayers: number; placement: OffloadPlacement } | undefined {
  const blocks = a.numHiddenLayers + a.mtpLayers;
  for (let n = 0; n <= blocks; n++) {
    const placement = offloadPlacement(a, q, { ...o, cpuMoeLayers: n, allExpertsOnCpu: false });
    if (placement.deviceWeightBytes + placement.kvBytes + placement.computeBytes + marginBytes > deviceBytes) continue;
    return hostBytes === undefined || placement.hostBytes <= hostBytes ? { cpuMoeLayers: n, placement } : undefined;
  }
  return undefined;
}
