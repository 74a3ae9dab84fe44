import type { EngineMetrics } from "../metrics";

/** SGLang's metric names with `--enable-metrics` (the sources: engines/metrics.ts). */
export const SGLANG_METRICS: EngineMetrics = {
  running: "sglang:num_running_reqs",
  waiting: "sglang:num_queue_reqs",
  kvUsage: "sglang:token_usage",
  promptTokensTotal: "sglang:prompt_tokens_total",
  generationTokensTotal: "sglang:generation_tokens_total",
  ttft: "sglang:time_to_first_token_seconds",
  itl: "sglang:inter_token_latency_seconds",
  e2e: "sglang:e2e_request_latency_seconds",
  specAcceptance: (sel) => `avg(sglang:spec_accept_length{${sel}})`,
  specAcceptanceUnit: "accepted tokens per step",
};
