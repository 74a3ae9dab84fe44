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
