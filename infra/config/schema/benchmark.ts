import { z } from "zod";
import { BENCH_WORKLOAD_IDS } from "../../catalog/benchmarks";
import { imageRef, positiveInt, quantity } from "../../core/schemaFields";

/**
 * Benchmark-as-code: a Job that runs seed 003's `vllm bench serve` workload against the stack's own
 * Service once the engine is ready, and keeps the result JSON on a volume.
 */
export const benchmarkSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Add the benchmark Job to the stack."),
    image: imageRef
      .prefault({ repository: "vllm/vllm-openai", tag: "glm5" })
      .describe("Image with `vllm bench serve`; default vllm/vllm-openai:glm5."),
    tokenizer: z
      .string()
      .min(1)
      .default("zai-org/GLM-5")
      .describe("`--model`: the Hub id whose tokenizer builds the prompts (seed 003: zai-org/GLM-5)."),
    backend: z.enum(["openai-chat", "openai"]).default("openai-chat").describe("`--backend`."),
    endpoint: z
      .string()
      .startsWith("/", { error: 'a path such as "/v1/chat/completions"' })
      .default("/v1/chat/completions")
      .describe("`--endpoint`."),
    workload: z
      .enum(BENCH_WORKLOAD_IDS)
      .default("seed-003")
      .describe(
        "Workload from the catalog (infra/catalog/benchmarks.ts): seed-003 (8,192/1,024, 256 prompts, concurrency 32), 8k2k-c32 (8,192/2,048, 512 prompts, concurrency 32: Lambda's GLM-5.1 run), 8k1k-sweep or 1k1k-sweep (concurrency 1 to 128, one run each).",
      ),
    datasetName: z
      .enum(["random", "sharegpt"])
      .default("random")
      .describe(
        "`--dataset-name`: random tokens (what the published figures use), or sharegpt, real conversations: random text drives speculative-decoding acceptance down.",
      ),
    datasetPath: z
      .string()
      .startsWith("/")
      .optional()
      .describe(
        "`--dataset-path` of the sharegpt dataset: a JSON file placed on the results volume (e.g. /results/ShareGPT_V3_unfiltered_cleaned_split.json).",
      ),
    randomInputLen: positiveInt
      .optional()
      .describe("`--random-input-len`: prompt tokens per request; default: the workload's."),
    randomOutputLen: positiveInt
      .optional()
      .describe(
        "`--random-output-len` (`--sharegpt-output-len` with sharegpt): output tokens; default: the workload's.",
      ),
    numPrompts: positiveInt.optional().describe("`--num-prompts`: requests per run; default: the workload's."),
    maxConcurrency: positiveInt
      .optional()
      .describe("`--max-concurrency`: requests in flight; set, it replaces the workload's concurrencies by this one."),
    timeoutMinutes: positiveInt.default(120).describe("Deadline of the benchmark Job."),
    resultVolumeSize: quantity.default("1Gi").describe("Size of the volume keeping the result JSON files."),
  })
  .refine((b) => b.datasetName !== "sharegpt" || b.datasetPath !== undefined, {
    path: ["datasetPath"],
    message: "a file path, when datasetName is sharegpt (the dataset is read from the results volume, not downloaded)",
  })
  .describe("Benchmark Job (seed 003's workload by default).");
