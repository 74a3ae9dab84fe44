/**
 * Architecture facts the capacity planner needs, per model family.
 *
 * GLM-5 and GLM-5.1 share one architecture (`GlmMoeDsaForCausalLM`, model_type `glm_moe_dsa`):
 * vLLM and SGLang both implement it as a subclass of their DeepSeek-V2/V3 model (MLA attention,
 * DeepSeek-style MoE) plus the DeepSeek Sparse Attention (DSA) "lightning indexer" of V3.2.
 *
 * Sources (see docs/capacity-planning.md for the full list):
 * - config.json of zai-org/GLM-5.1 (same values as the transformers `GlmMoeDsaConfig` defaults,
 *   which point at zai-org/GLM-5): layer counts, widths, MLA ranks, experts, indexer sizes.
 * - vLLM `model_executor/models/deepseek_v2.py`: `GlmMoeDsaForCausalLM(DeepseekV2ForCausalLM)`;
 *   indexer key cache of `index_head_dim + index_head_dim/128*4` bytes per token per layer (fp8 plus
 *   one fp32 scale per 128 elements).
 * - vLLM `layers/attention/mla_attention.py`: the MLA cache holds one latent "head" of
 *   `kv_lora_rank + qk_rope_head_dim` elements per token per layer.
 */
export interface MoeArchitecture {
  readonly family: string;
  /** Hugging Face `architectures[0]`. */
  readonly hfArchitecture: string;
  /** Decoder layers of the main model (`num_hidden_layers`), MTP layers excluded. */
  readonly numHiddenLayers: number;
  /** Leading layers with a dense MLP instead of MoE (`first_k_dense_replace`). */
  readonly firstDenseLayers: number;
  readonly hiddenSize: number;
  /** Dense MLP width (`intermediate_size`). */
  readonly intermediateSize: number;
  /** Width of one routed or shared expert (`moe_intermediate_size`). */
  readonly moeIntermediateSize: number;
  readonly routedExperts: number;
  readonly sharedExperts: number;
  readonly expertsPerToken: number;
  readonly numAttentionHeads: number;
  /** MLA: rank of the query down-projection (`q_lora_rank`). */
  readonly qLoraRank: number;
  /** MLA: rank of the compressed KV latent (`kv_lora_rank`), the part of the KV cache per token. */
  readonly kvLoraRank: number;
  readonly qkNopeHeadDim: number;
  /** MLA: decoupled rotary part of the key, cached next to the latent (`qk_rope_head_dim`). */
  readonly qkRopeHeadDim: number;
  readonly vHeadDim: number;
  readonly vocabSize: number;
  readonly maxPositionEmbeddings: number;
  readonly tieWordEmbeddings: boolean;
  /** Multi-token-prediction layers shipped with the checkpoint (`num_nextn_predict_layers`). */
  readonly mtpLayers: number;
  /** DSA lightning indexer (null for dense-attention models). */
  readonly indexer: {
    readonly heads: number;
    readonly headDim: number;
    /** Tokens each query attends to after indexing (`index_topk`). */
    readonly topK: number;
  } | null;
}

export const GLM5_ARCHITECTURE: MoeArchitecture = {
  family: "glm-5",
  hfArchitecture: "GlmMoeDsaForCausalLM",
  numHiddenLayers: 78,
  firstDenseLayers: 3,
  hiddenSize: 6144,
  intermediateSize: 12288,
  moeIntermediateSize: 2048,
  routedExperts: 256,
  sharedExperts: 1,
  expertsPerToken: 8,
  numAttentionHeads: 64,
  qLoraRank: 2048,
  kvLoraRank: 512,
  qkNopeHeadDim: 192,
  qkRopeHeadDim: 64,
  vHeadDim: 256,
  vocabSize: 154_880,
  maxPositionEmbeddings: 202_752,
  tieWordEmbeddings: false,
  mtpLayers: 1,
  indexer: { heads: 32, headDim: 128, topK: 2048 },
};

/**
 * GLM-4.7-Flash (`Glm4MoeLiteForCausalLM`, model_type `glm4_moe_lite`): the same MLA + DeepSeek-MoE
 * family at ~31B parameters (3B active), without the DSA indexer: the staging model, which exercises
 * the whole pipeline (parsers, MTP, cache, probes) on one GPU. Values from its config.json as vLLM's
 * tests and the transformers `Glm4MoeLiteConfig` carry them.
 */
export const GLM47_FLASH_ARCHITECTURE: MoeArchitecture = {
  family: "glm-4.7-flash",
  hfArchitecture: "Glm4MoeLiteForCausalLM",
  numHiddenLayers: 47,
  firstDenseLayers: 1,
  hiddenSize: 2048,
  intermediateSize: 10240,
  moeIntermediateSize: 1536,
  routedExperts: 64,
  sharedExperts: 1,
  expertsPerToken: 4,
  numAttentionHeads: 20,
  qLoraRank: 768,
  kvLoraRank: 512,
  qkNopeHeadDim: 192,
  qkRopeHeadDim: 64,
  vHeadDim: 256,
  vocabSize: 154_880,
  maxPositionEmbeddings: 202_752,
  tieWordEmbeddings: false,
  mtpLayers: 1,
  indexer: null,
};
