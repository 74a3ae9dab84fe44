import type { MoeArchitecture } from "../catalog/architectures";
import type { IndexerKeyCache, KvDtype } from "../engines/memory";

/**
 * KV cache bytes per token on one device.
 *
 * MLA caches one compressed latent per token and layer: `kv_lora_rank` values plus the decoupled
 * rotary key (`qk_rope_head_dim`), shared by all heads. Tensor parallelism splits heads, not this
 * latent, so every TP rank stores the whole of it: the per-token cost does not shrink with TP.
 * - BF16: (512 + 64) x 2 = 1,152 bytes per layer.
 * - FP8 (vLLM's `fp8_ds_mla` for sparse MLA, also what SGLang's FlashMLA path uses): 512 fp8 values,
 *   4 fp32 scales and the 64 rotary values kept in BF16 = 656 bytes per layer.
 * The DSA indexer keeps its own key cache per token and layer. vLLM on CUDA and SGLang store it as
 * fp8 with one fp32 scale per 128 values (128 + 4 = 132 bytes) whatever the MLA cache's dtype
 * (SGLang: `NSATokenToKVPool.index_k_with_scale_buffer`, uint8, `index_head_dim + index_head_dim /
 * quant_block_size * 4` bytes per token); vLLM-Ascend keeps it in BF16 (256 bytes).
 * The MTP draft layer has a KV cache of its own when speculative decoding uses it: inside the main
 * pool for vLLM (one more layer per token), in a pool of its own for SGLang (see engines/memory.ts).
 * Pipeline stages each hold only their layers.
 */
export type { KvDtype };

export function mlaBytesPerTokenPerLayer(a: MoeArchitecture, dtype: KvDtype): number {
  const latent = a.kvLoraRank + a.qkRopeHeadDim;
  if (dtype === "bf16") return latent * 2;
  return a.kvLoraRank + (a.kvLoraRank / 128) * 4 + a.qkRopeHeadDim * 2;
}

export function indexerBytesPerTokenPerLayer(a: MoeArchitecture, keys: IndexerKeyCache): number {
  if (!a.indexer) return 0;
  return keys === "bf16" ? a.indexer.headDim * 2 : a.indexer.headDim + (a.indexer.headDim / 128) * 4;
}

/** One layer's KV bytes per token: the MLA latent plus the indexer's keys. */
export function kvBytesPerTokenPerLayer(a: MoeArchitecture, dtype: KvDtype, keys: IndexerKeyCache): number {
  return mlaBytesPerTokenPerLayer(a, dtype) + indexerBytesPerTokenPerLayer(a, keys);
}

export function kvBytesPerTokenPerDevice(
  a: MoeArchitecture,
  opts: { dtype: KvDtype; indexerKeys: IndexerKeyCache; withMtp: boolean; pipeline: number },
): number {
  const layers = Math.ceil((a.numHiddenLayers + (opts.withMtp ? a.mtpLayers : 0)) / opts.pipeline);
  return layers * kvBytesPerTokenPerLayer(a, opts.dtype, opts.indexerKeys);
}
