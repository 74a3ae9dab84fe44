/**
 * Benchmark workloads and the published runs to compare results with.
 *
 * A workload is data: prompt and output lengths, the concurrencies of a sweep and the prompts per
 * run. A baseline is one published run: its hardware (accelerator and count), engine, model, the
 * workload it ran, its source, and the metrics it published (as `vllm bench serve --save-result`
 * names them; a source that published fewer metrics has fewer). `npm run bench:report` compares a
 * result only with baselines of the same workload and hardware.
 */

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

export interface BenchWorkload {
  readonly id: string;
  readonly description: string;
  readonly inputLen: number;
  readonly outputLen: number;
  /** `--max-concurrency` of each run of the sweep (one run for a single point). */
  readonly concurrencies: readonly number[];
  /** Prompts per run: a fixed number, or this many per unit of concurrency. */
  readonly prompts: { readonly fixed: number } | { readonly perConcurrency: number };
}

export const BENCH_WORKLOADS = {
  "seed-003": {
    id: "seed-003",
    description: "seed 003's run: random 8,192 in / 1,024 out, 256 prompts, concurrency 32",
    inputLen: 8192,
    outputLen: 1024,
    concurrencies: [32],
    prompts: { fixed: 256 },
  },
  // The published sweeps (InferenceX) run 10 prompts per unit of concurrency at each point.
  "8k1k-sweep": {
    id: "8k1k-sweep",
    description: "8,192 in / 1,024 out at concurrency 1 to 128, 10 prompts per unit of concurrency",
    inputLen: 8192,
    outputLen: 1024,
    concurrencies: [1, 4, 8, 16, 32, 64, 128],
    prompts: { perConcurrency: 10 },
  },
  // Lambda's GLM-5.1 run on 8x B200 (the vendor of seed 003's figure, later).
  "8k2k-c32": {
    id: "8k2k-c32",
    description: "Lambda's GLM-5.1 run: random 8,192 in / 2,048 out, 512 prompts, concurrency 32",
    inputLen: 8192,
    outputLen: 2048,
    concurrencies: [32],
    prompts: { fixed: 512 },
  },
  "1k1k-sweep": {
    id: "1k1k-sweep",
    description: "1,024 in / 1,024 out at concurrency 1 to 128, 10 prompts per unit of concurrency",
    inputLen: 1024,
    outputLen: 1024,
    concurrencies: [1, 4, 8, 16, 32, 64, 128],
    prompts: { perConcurrency: 10 },
  },
} as const satisfies Record<string, BenchWorkload>;
export type BenchWorkloadId = keyof typeof BENCH_WORKLOADS;
export const BENCH_WORKLOAD_IDS = Object.keys(BENCH_WORKLOADS) as [BenchWorkloadId, ...BenchWorkloadId[]];

export function promptsAt(w: BenchWorkload, concurrency: number): number {
  return "fixed" in w.prompts ? w.prompts.fixed : w.prompts.perConcurrency * concurrency;
}

export interface BenchmarkReference {
  readonly name: string;
  readonly description: string;
  /** Accelerator catalog id and how many of them served the run. */
  readonly hardware: { readonly accelerator: string; readonly devices: number };
  readonly engine: string;
  readonly model: string;
  readonly source: string;
  readonly workload: {
    readonly inputLen: number;
    readonly outputLen: number;
    /** `--max-concurrency`; null for a run paced by a request rate instead. */
    readonly maxConcurrency: number | null;
    readonly requestRate?: number;
    readonly numPrompts?: number;
  };
  /** Caveats a reader of the comparison must know (a derived number, a different model release). */
  readonly notes: readonly string[];
  /** Metric name as `vllm bench serve --save-result` writes it -> the published value. */
  readonly metrics: Readonly<Partial<Record<BenchMetric, number>>>;
}

export const BENCHMARK_REFERENCES: Readonly<Record<string, BenchmarkReference>> = {
  "b200-sglang": {
    name: "b200-sglang",
    description: "GLM-5 FP8, SGLang, 8x NVIDIA HGX B200 (seed 003)",
    hardware: { accelerator: "b200-180gb", devices: 8 },
    engine: "sglang",
    model: "GLM-5 FP8",
    source:
      "seed 003 (../shared/seeds/003_794c08be5bc17e71.txt), Lambda's GLM-5 page (lambda.ai/inference-models/zai-org/glm-5)",
    workload: { inputLen: 8192, outputLen: 1024, maxConcurrency: 32, numPrompts: 256 },
    notes: [],
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
  "b200-inferencex": {
    name: "b200-inferencex",
    description: "GLM-5 FP8, SGLang, 8x B200 (InferenceX)",
    hardware: { accelerator: "b200-180gb", devices: 8 },
    engine: "sglang",
    model: "GLM-5 FP8",
    source:
      "InferenceX (SemiAnalysis) GLM-5 FP8 B200 SGLang MTP, 8k/1k, launch script benchmarks/single_node/fixed_seq_len/glm5_fp8_b200_mtp.sh at 8eec0d4; figures as issue 15 quotes them",
    workload: { inputLen: 8192, outputLen: 1024, maxConcurrency: 32 },
    notes: [
      "published per GPU (about 1,507 total tok/s) and per user (about 41 tok/s): total = 8 x 1,507, TPOT = 1,000 / 41 ms",
      "its concurrency is inferred: 41 tok/s per user at 1,339 output tok/s (1,024 / 9,216 of the total) is about 32 users",
    ],
    metrics: { total_token_throughput: 12056, output_throughput: 1339.6, mean_tpot_ms: 24.4 },
  },
  "b200-glm51-vendor": {
    name: "b200-glm51-vendor",
    description: "GLM-5.1 FP8, SGLang, 8x B200 (Lambda, seed 003's vendor, later run)",
    hardware: { accelerator: "b200-180gb", devices: 8 },
    engine: "sglang",
    model: "GLM-5.1 FP8",
    source:
      "Lambda's GLM-5.1 page (lambda.ai/inference-models/zai-org/glm-5.1), its first TL;DR row; SGLang as issue 15 quotes it",
    workload: { inputLen: 8192, outputLen: 2048, maxConcurrency: 32, numPrompts: 512 },
    notes: [
      "GLM-5.1, not GLM-5 (same architecture)",
      "published per user too: 42.0 tok/s (1,345 / 32)",
      "the page's second row (1,265 output tok/s, 6,327 total, TTFT 1,317 ms, ITL 58 ms) names no engine in the stored copy and is not compared",
    ],
    metrics: { output_throughput: 1345, total_token_throughput: 6727, mean_ttft_ms: 1073, mean_itl_ms: 59 },
  },
  "h200-vllm-recipe": {
    name: "h200-vllm-recipe",
    description: "GLM-5.1 FP8, vLLM MTP 3, 8x H200 (vLLM recipe)",
    hardware: { accelerator: "h200-141gb", devices: 8 },
    engine: "vllm",
    model: "GLM-5.1 FP8",
    source: "vllm-project/recipes GLM/GLM5.md at 8959cf6 (FP8 Benchmark)",
    workload: { inputLen: 8000, outputLen: 1024, maxConcurrency: null, requestRate: 10, numPrompts: 32 },
    notes: [
      "random prompts: MTP acceptance 21%, so the recipe expects real text to run faster",
      "GLM-5.1, not GLM-5 (same architecture)",
    ],
    metrics: {
      output_throughput: 526.57,
      total_token_throughput: 4640.43,
      mean_ttft_ms: 13395.44,
      p99_ttft_ms: 22952.29,
      mean_tpot_ms: 35.39,
      p99_tpot_ms: 49.72,
      mean_itl_ms: 57.98,
      p99_itl_ms: 578.32,
    },
  },
  "h200-sglang-cookbook-c100": {
    name: "h200-sglang-cookbook-c100",
    description: "GLM-5 FP8, SGLang EAGLE, 8x H200, concurrency 100 (SGLang cookbook)",
    hardware: { accelerator: "h200-141gb", devices: 8 },
    engine: "sglang",
    model: "GLM-5 FP8",
    source: "sgl-project/sgl-cookbook docs/autoregressive/GLM/GLM-5.md at 7b5bd9c (5.1.2 Throughput Benchmark)",
    workload: { inputLen: 1000, outputLen: 1000, maxConcurrency: 100, numPrompts: 1000 },
    notes: ["sglang.bench_serving's random lengths averaged 502 in / 500 out tokens in this run"],
    metrics: {
      output_throughput: 1214.97,
      total_token_throughput: 2435.38,
      mean_ttft_ms: 20613.8,
      mean_tpot_ms: 38.73,
    },
  },
  "h200-sglang-cookbook-c1": {
    name: "h200-sglang-cookbook-c1",
    description: "GLM-5 FP8, SGLang EAGLE, 8x H200, concurrency 1 (SGLang cookbook)",
    hardware: { accelerator: "h200-141gb", devices: 8 },
    engine: "sglang",
    model: "GLM-5 FP8",
    source: "sgl-project/sgl-cookbook docs/autoregressive/GLM/GLM-5.md at 7b5bd9c (5.1.1 Latency Benchmark)",
    workload: { inputLen: 1000, outputLen: 1000, maxConcurrency: 1, numPrompts: 10 },
    notes: ["sglang.bench_serving's random lengths averaged 610 in / 422 out tokens in this run"],
    metrics: {
      output_throughput: 117.96,
      total_token_throughput: 288.5,
      mean_ttft_ms: 290.88,
      p99_ttft_ms: 332.27,
      mean_tpot_ms: 7.54,
      p99_tpot_ms: 9.04,
      mean_itl_ms: 7.8,
      p99_itl_ms: 26.99,
    },
  },
};
