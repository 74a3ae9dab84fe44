import type { BenchmarkReference } from "../../catalog/benchmarks";

/** Published runs of vLLM this project compares with (`npm run bench:report`; the fields: catalog/benchmarks.ts). */
export const VLLM_BASELINES: readonly Omit<BenchmarkReference, "engine">[] = [
  {
    name: "h200-vllm-recipe",
    description: "GLM-5.1 FP8, vLLM MTP 3, 8x H200 (vLLM recipe)",
    hardware: { accelerator: "h200-141gb", devices: 8 },
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
];
