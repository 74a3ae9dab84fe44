/**
 * Names vLLM accepts for its parser and speculative-decoding flags, from vLLM's own registries
 * (`vllm/tool_parsers/__init__.py`, `vllm/reasoning/__init__.py`, `SpeculativeConfig.method`).
 * A stack naming something else fails validation here instead of at engine start on a GPU node.
 */
export const VLLM_TOOL_CALL_PARSERS = [
  "deepseek_v3",
  "deepseek_v31",
  "deepseek_v32",
  "ernie45",
  "glm45",
  "glm47",
  "granite",
  "granite-20b-fc",
  "hermes",
  "hunyuan_a13b",
  "internlm",
  "jamba",
  "kimi_k2",
  "llama3_json",
  "llama4_json",
  "llama4_pythonic",
  "longcat",
  "minimax",
  "minimax_m2",
  "mistral",
  "olmo3",
  "openai",
  "phi4_mini_json",
  "pythonic",
  "qwen3_coder",
  "qwen3_xml",
  "seed_oss",
  "step3",
  "xlam",
] as const;

export const VLLM_REASONING_PARSERS = [
  "deepseek_r1",
  "deepseek_v3",
  "ernie45",
  "glm45",
  "granite",
  "hunyuan_a13b",
  "kimi_k2",
  "minimax_m2",
  "minimax_m2_append_think",
  "mistral",
  "olmo3",
  "openai_gptoss",
  "qwen3",
  "seed_oss",
  "step3",
] as const;

/** `--speculative-config.method` values; `mtp` selects the model's own multi-token-prediction head. */
export const VLLM_SPECULATIVE_METHODS = [
  "mtp",
  "deepseek_mtp",
  "glm4_moe_mtp",
  "eagle",
  "eagle3",
  "ngram",
  "medusa",
  "mlp_speculator",
  "draft_model",
  "suffix",
] as const;

/** Methods that run the checkpoint's own MTP layer (and so need MTP weights in it). */
export const MTP_METHODS: readonly string[] = ["mtp", "deepseek_mtp", "glm4_moe_mtp"];

export const VLLM_KV_CACHE_DTYPES = ["auto", "bfloat16", "fp8", "fp8_e4m3", "fp8_e5m2", "fp8_ds_mla"] as const;
