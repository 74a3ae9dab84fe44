/**
 * Benchmark workloads, and what a published run to compare results with records (the runs
 * themselves sit with their engine: engines/<kind>/baselines.ts, gathered by bench/references.ts).
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
