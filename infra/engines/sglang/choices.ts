/**
 * Names SGLang accepts for its parser and speculative flags: `--tool-call-parser` choices come from
 * `FunctionCallParser.ToolCallParserEnum` (`python/sglang/srt/function_call/function_call_parser.py`),
 * `--reasoning-parser` choices from `ReasoningParser.DetectorMap` (`python/sglang/srt/parser/reasoning_parser.py`),
 * speculative algorithms from `--speculative-algorithm`'s help in `server_args.py`.
 */
export const SGLANG_TOOL_CALL_PARSERS = [
  "deepseekv3",
  "deepseekv31",
  "deepseekv32",
  "glm",
  "glm45",
  "glm47",
  "gpt-oss",
  "hermes",
  "interns1",
  "kimi_k2",
  "llama3",
  "minimax-m2",
  "mistral",
  "pythonic",
  "qwen",
  "qwen25",
  "qwen3_coder",
  "step3",
] as const;

export const SGLANG_REASONING_PARSERS = [
  "deepseek-r1",
  "deepseek-v3",
  "glm45",
  "gpt-oss",
  "interns1",
  "kimi",
  "kimi_k2",
  "minimax",
  "mistral",
  "qwen3",
  "qwen3-thinking",
  "step3",
] as const;

export const SGLANG_SPECULATIVE_ALGORITHMS = ["EAGLE", "EAGLE3", "NEXTN", "STANDALONE", "NGRAM"] as const;

/** Algorithms that draft with the checkpoint's own MTP (NextN) layer when no draft model is given. */
export const SGLANG_MTP_ALGORITHMS: readonly string[] = ["EAGLE", "NEXTN"];

/**
 * Choices of the flags the tuned stacks use, as SGLang's `server_args.py` lists them
 * (sgl-project/sglang; the `lmsysorg/sglang:glm5-*` images are the 0.5.8 line the cookbook's GLM-5
 * page is generated for, `data/models/src/v0.5.8/glm5.yaml` in sgl-project/sgl-cookbook at 7b5bd9c).
 * `--kv-cache-dtype`: `auto` lets SGLang pick (for DSA models fp8_e4m3 on compute capability 10 and
 * bfloat16 below it; docs/capacity-planning.md).
 */
export const SGLANG_KV_CACHE_DTYPES = ["auto", "bf16", "bfloat16", "fp8_e4m3", "fp8_e5m2"] as const;
/** `--nsa-prefill-backend` / `--nsa-decode-backend` (`NSA_CHOICES`). */
export const SGLANG_NSA_BACKENDS = [
  "flashmla_sparse",
  "flashmla_kv",
  "flashmla_auto",
  "fa3",
  "tilelang",
  "aiter",
  "trtllm",
] as const;
/** `--attention-backend` values this project has a use for (NSA for DSA models; the MLA backends). */
export const SGLANG_ATTENTION_BACKENDS = ["nsa", "flashinfer", "fa3", "triton", "flashmla", "trtllm_mla"] as const;
/** `--moe-runner-backend` (`MOE_RUNNER_BACKEND_CHOICES`); flashinfer_trtllm needs `--quantization fp8` (or modelopt). */
export const SGLANG_MOE_RUNNER_BACKENDS = [
  "auto",
  "deep_gemm",
  "triton",
  "triton_kernel",
  "flashinfer_trtllm",
  "flashinfer_cutlass",
  "flashinfer_mxfp4",
  "cutlass",
] as const;
/** `--quantization` values for the catalog's NVIDIA checkpoints. */
export const SGLANG_QUANTIZATIONS = ["fp8", "modelopt_fp8", "modelopt_fp4"] as const;
