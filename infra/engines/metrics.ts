/**
 * Prometheus metric names each engine exports (a driver's `metrics`; engines/<kind>/metrics.ts), at the versions of the images this project runs, for
 * the autoscaler, the dashboards and the alert rules. Every name is the engine's own:
 *
 * - vLLM (`vllm/vllm-openai:glm5`, the 0.16 line): vllm-project/vllm `vllm/v1/metrics/loggers.py`
 *   (PrometheusStatLogger: `vllm:num_requests_running`, `vllm:num_requests_waiting`,
 *   `vllm:kv_cache_usage_perc`, the counters `vllm:prompt_tokens` and `vllm:generation_tokens`
 *   exported with `_total`, the histograms `vllm:time_to_first_token_seconds`,
 *   `vllm:inter_token_latency_seconds` (since 0.11; `time_per_output_token_seconds` before) and
 *   `vllm:e2e_request_latency_seconds`) and `vllm/v1/spec_decode/metrics.py`
 *   (`vllm:spec_decode_num_draft_tokens`, `vllm:spec_decode_num_accepted_tokens`, counters). Every
 *   series carries `model_name` (the served model name) and `engine` (the data-parallel rank).
 * - SGLang (`lmsysorg/sglang:glm5-*`, with `--enable-metrics`): sgl-project/sglang
 *   `python/sglang/srt/metrics/collector.py` (SchedulerMetricsCollector: `sglang:num_running_reqs`,
 *   `sglang:num_queue_reqs`, `sglang:token_usage`, `sglang:gen_throughput`, `sglang:spec_accept_length`;
 *   TokenizerMetricsCollector: `sglang:prompt_tokens_total`, `sglang:generation_tokens_total`,
 *   `sglang:time_to_first_token_seconds`, `sglang:inter_token_latency_seconds`,
 *   `sglang:e2e_request_latency_seconds`), labelled with `model_name`.
 */
export interface EngineMetrics {
  readonly running: string;
  readonly waiting: string;
  /** KV-cache use as a fraction (0-1). */
  readonly kvUsage: string;
  readonly promptTokensTotal: string;
  readonly generationTokensTotal: string;
  /** Histograms (their `_bucket` series). */
  readonly ttft: string;
  readonly itl: string;
  readonly e2e: string;
  /** Speculative decoding: how well the drafts are accepted, as a PromQL expression over `{sel}`. */
  readonly specAcceptance: (sel: string) => string;
  readonly specAcceptanceUnit: string;
}
