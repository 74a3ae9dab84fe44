import type { Quantization } from "../catalog/models";
import type { TensorGroup } from "./tensors";

/**
 * Bytes a tensor group occupies under a checkpoint's quantisation (on disk and, once loaded, on
 * the device: engines keep the stored format).
 *
 * - bf16: 2 bytes per parameter (the router's correction bias is fp32).
 * - fp8-block (DeepSeek-V3 format, `weight_block_size: [128, 128]`): linear weights 1 byte (e4m3)
 *   plus one fp32 `weight_scale_inv` per 128x128 block; embeddings, lm_head, router, norms and the
 *   indexer's `weights_proj` stay BF16. This reproduces GLM-5-FP8's published 756 GB.
 * - w4a8 (msmodelslim, `--quantization ascend`): routed experts int4 (half a byte) with three fp32
 *   values per output channel (scale, offset, scale bias); other linear weights int8 with an fp32
 *   per-channel scale; `kv_b_proj`, the indexer projections, router and embeddings stay BF16, and
 *   the MTP layer is left unquantised ("quantized version without mtp").
 * - gguf-q4 (llama.cpp Q4_K_M): 4.93 bits per parameter on average, calibrated on the published
 *   GLM-5.1 Q4_K_M size (432.80 GiB for 753.9B parameters); k-quant blocks carry their own scales.
 */
const FP8_BLOCK = 128;
const GGUF_Q4_BITS_PER_PARAM = 4.93;

function fp8BlockScales(g: TensorGroup): number {
  return Math.ceil(g.rows / FP8_BLOCK) * Math.ceil(g.cols / FP8_BLOCK) * g.matrices * 4;
}

export function groupBytes(g: TensorGroup, q: Quantization): number {
  if (g.role === "f32") return g.params * 4;
  switch (q) {
    case "bf16":
      return g.params * 2;
    case "fp8-block":
      return g.role === "keep" ? g.params * 2 : g.params + fp8BlockScales(g);
    case "w4a8":
      if (g.scope === "mtp") return g.params * 2;
      if (g.role === "expert") return g.params / 2 + g.rows * g.matrices * 12;
      if (g.role === "linear") return g.params + g.rows * g.matrices * 4;
      return g.params * 2;
    case "gguf-q4":
      return (g.params * GGUF_Q4_BITS_PER_PARAM) / 8;
  }
}
