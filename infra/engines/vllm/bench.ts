/**
 * The benchmark client of every stack, whatever its engine: vLLM's `vllm bench serve`, which drives
 * any OpenAI-compatible server and writes the result file `npm run bench:report` reads.
 */
export const VLLM_BENCH_COMMAND = ["vllm", "bench", "serve"] as const;
