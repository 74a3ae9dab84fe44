import type { EngineMetrics } from "../metrics";

/** vLLM's metric names (the sources: engines/metrics.ts). vLLM-Ascend exports the same. */
export const VLLM_METRICS: EngineMetrics = {
  running: "vllm:num_requests_running",
  waiting: "vllm:num_requests_waiting",
  kvUsage: "vllm:kv_cache_usage_perc",
  promptTokensTotal: "vllm:prompt_tokens_total",
  generationTokensTotal: "vllm:generation_tokens_total",
  ttft: "vllm:time_to_first_token_seconds",
  itl: "vllm:inter_token_latency_seconds",
  e2e: "vllm:e2e_request_latency_seconds",
  specAcceptance: (sel) =>
    `sum(rate(vllm:spec_decode_num_accepted_tokens_total{${sel}}[5m])) / sum(rate(vllm:spec_decode_num_draft_tokens_total{${sel}}[5m]))`,
  specAcceptanceUnit: "accepted / drafted tokens",
};
