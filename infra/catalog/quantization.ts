import type { Quantization } from "./models";
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
 * - gguf-* (llama.cpp GGUF): bits per weight of the quant type each tensor group is stored in
 *   (GGUF_QUANTS below); k-quant and i-quant blocks carry their own scales, so a type has one
 *   bits-per-weight figure (Q8_0 8.5, Q6_K 6.5625, Q5_K 5.5, Q4_K 4.5, IQ4_XS 4.25, IQ3_S 3.4375,
 *   IQ2_S 2.5625: ggml's block sizes). Norms and the router bias stay F32.
 */
const FP8_BLOCK = 128;

/** A GGUF quantisation: bits per weight of the routed experts' gate/up and down projections and of the rest. */
export interface GgufQuant {
  /** Attention, shared experts, dense MLPs, embeddings, output: the tensors that stay on the GPU. */
  readonly denseBits: number;
  readonly expertGateUpBits: number;
  readonly expertDownBits: number;
  /** Where the mixture and the size it is checked against come from. */
  readonly source: string;
}

/**
 * The GGUF quantisations the planner knows. The first three are AesSedai/GLM-5.1-GGUF's "MoE quants",
 * whose model card publishes the mixture (default / ffn_up / ffn_gate / ffn_down type) and the size
 * llama.cpp reports; the inventory reproduces those sizes within 0.4% (test/planner.gguf.test.ts).
 * The `ud-*` ones are unsloth's dynamic quants of unsloth/GLM-5.1-GGUF: their mixture is not
 * published and GLM-5.1's sizes were not found; the expert bits are calibrated on the published sizes
 * of unsloth's same-named quants of GLM-5.2 (same architecture, glm-dsa, 754B: UD-IQ2_M
 * 238,577,580,768 bytes, UD-Q2_K_XL 253,878,401,856, UD-IQ3_XXS 281,688,431,424), with the
 * non-expert tensors assumed at Q8_0 (unsloth keeps attention and shared experts high): estimates.
 * `ud-iq2_xxs` is unsloth's quant of GLM-5 (unsloth/GLM-5-GGUF), calibrated the same way on the one
 * size published for it: 241 GB in unsloth's GLM-5 guide (rounded to a GB, so +-0.5 GB).
 */
export const GGUF_QUANTS = {
  "gguf-q4_k_m": {
    denseBits: 8.5,
    expertGateUpBits: 4.5,
    expertDownBits: 5.5,
    source: "AesSedai/GLM-5.1-GGUF Q4_K_M: Q8_0 / Q4_K / Q4_K / Q5_K, 432.80 GiB (4.93 BPW)",
  },
  "gguf-iq4_xs": {
    denseBits: 8.5,
    expertGateUpBits: 3.4375,
    expertDownBits: 4.25,
    source: "AesSedai/GLM-5.1-GGUF IQ4_XS: Q8_0 / IQ3_S / IQ3_S / IQ4_XS, 336.61 GiB (3.84 BPW)",
  },
  "gguf-iq3_s": {
    denseBits: 6.5625,
    expertGateUpBits: 2.5625,
    expertDownBits: 3.4375,
    source: "AesSedai/GLM-5.1-GGUF IQ3_S: Q6_K / IQ2_S / IQ2_S / IQ3_S, 259.89 GiB (2.96 BPW)",
  },
  "gguf-ud-iq2_m": {
    denseBits: 8.5,
    expertGateUpBits: 2.3739,
    expertDownBits: 2.3739,
    source: "unsloth UD-IQ2_M (estimate: unsloth/GLM-5.2-GGUF UD-IQ2_M, 222.19 GiB)",
  },
  "gguf-ud-q2_k_xl": {
    denseBits: 8.5,
    expertGateUpBits: 2.5406,
    expertDownBits: 2.5406,
    source: "unsloth UD-Q2_K_XL (estimate: unsloth/GLM-5.2-GGUF UD-Q2_K_XL, 236.44 GiB)",
  },
  "gguf-ud-iq2_xxs": {
    denseBits: 8.5,
    expertGateUpBits: 2.4003,
    expertDownBits: 2.4003,
    source: "unsloth UD-IQ2_XXS of GLM-5 (estimate: unsloth's GLM-5 guide, unsloth/GLM-5-GGUF UD-IQ2_XXS, 241 GB)",
  },
  "gguf-ud-iq3_xxs": {
    denseBits: 8.5,
    expertGateUpBits: 2.8435,
    expertDownBits: 2.8435,
    source: "unsloth UD-IQ3_XXS (estimate: unsloth/GLM-5.2-GGUF UD-IQ3_XXS, 262.34 GiB)",
  },
} as const satisfies Record<string, GgufQuant>;

export type GgufQuantization = keyof typeof GGUF_QUANTS;

export function isGguf(q: Quantization): q is GgufQuantization {
  return q in GGUF_QUANTS;
}

function ggufBytes(g: TensorGroup, q: GgufQuant): number {
  const bits =
    g.name === "moe.routed_experts.gate_up"
      ? q.expertGateUpBits
      : g.name === "moe.routed_experts.down"
        ? q.expertDownBits
        : q.denseBits;
  return (g.params * bits) / 8;
}

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
    default:
      return ggufBytes(g, GGUF_QUANTS[q]);
  }
}
