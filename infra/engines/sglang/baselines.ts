import type { BenchmarkReference } from "../../catalog/benchmarks";

/** Published runs of SGLang this project compares with (`npm run bench:report`; the fields: catalog/benchmarks.ts). */
export const SGLANG_BASELINES: readonly Omit<BenchmarkReference, "engine">[] = [
  {
    name: "b200-sglang",
    description: "GLM-5 FP8, SGLang, 8x NVIDIA HGX B200 (seed 003)",
    hardware: { accelerator: "b200-180gb", devices: 8 },
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
  {
    name: "b200-inferencex",
    description: "GLM-5 FP8, SGLang, 8x B200 (InferenceX)",
    hardware: { accelerator: "b200-180gb", devices: 8 },
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
  {
    name: "b200-glm51-vendor",
    description: "GLM-5.1 FP8, SGLang, 8x B200 (Lambda, seed 003's vendor, later run)",
    hardware: { accelerator: "b200-180gb", devices: 8 },
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
  {
    name: "h200-sglang-cookbook-c100",
    description: "GLM-5 FP8, SGLang EAGLE, 8x H200, concurrency 100 (SGLang cookbook)",
    hardware: { accelerator: "h200-141gb", devices: 8 },
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
  {
    name: "h200-sglang-cookbook-c1",
    description: "GLM-5 FP8, SGLang EAGLE, 8x H200, concurrency 1 (SGLang cookbook)",
    hardware: { accelerator: "h200-141gb", devices: 8 },
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
];
