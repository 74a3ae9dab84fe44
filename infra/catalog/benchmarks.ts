/**
 * Published reference runs to compare a benchmark result with. Seed 003: GLM-5 FP8 with SGLang on
 * 8x B200 (HGX), `vllm bench serve` random 8192 in / 1024 out, 256 prompts, concurrency 32.
 */
export interface BenchmarkReference {
  readonly name: string;
  readonly description: string;
  readonly workload: {
    readonly numPrompts: number;
    readonly maxConcurrency: number;
    readonly inputLen: number;
    readonly outputLen: number;
  };
  /** Metric name as `vllm bench serve --save-result` writes it -> the reference value. */
  readonly metrics: Readonly<Record<BenchMetric, number>>;
}

/** Metrics compared, with whether more is better (throughput) or less (latency). */
export const BENCH_METRICS = {
  output_throughput: { label: "output throughput (tok/s)", higherIsBetter: true },
  total_token_throughput: { label: "total throughput (tok/s)", higherIsBetter: true },
  mean_ttft_ms: { label: "TTFT mean (ms)", higherIsBetter: false },
  p99_ttft_ms: { label: "TTFT p99 (ms)", higherIsBetter: false },
  mean_tpot_ms: { label: "TPOT mean (ms)", higherIsBetter: false },
  p99_tpot_ms: { label: "TPOT p99 (ms)", higherIsBetter: false },
  mean_itl_ms: { label: "ITL mean (ms)", higherIsBetter: false },
  p99_itl_ms: { label: "ITL p99 (ms)", higherIsBetter: false },
} as const;
export type BenchMetric = keyof typeof BENCH_METRICS;

export const BENCHMARK_REFERENCES: Readonly<Record<string, BenchmarkReference>> = {
  "b200-sglang": {
    name: "b200-sglang",
    description: "GLM-5 FP8, SGLang, 8x NVIDIA HGX B200 (seed 003)",
    workload: { numPrompts: 256, maxConcurrency: 32, inputLen: 8192, outputLen: 1024 },
    metrics: {
      output_throughput: 700,
      total_token_throughput: 6300,
      mean_ttft_ms: 1662,
      p99_ttft_ms: 21350,
      mean_tpot_ms: 43,
      p99_tpot_ms: 58,
      mean_itl_ms: 103,
      p99_itl_ms: 730,
    },
  },
};
