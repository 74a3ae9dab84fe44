import { z } from "zod";
import { imageRef, positiveInt, quantity } from "./common";

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
    datasetName: z.enum(["random"]).default("random").describe("`--dataset-name`."),
    randomInputLen: positiveInt.default(8192).describe("`--random-input-len`: prompt tokens per request."),
    randomOutputLen: positiveInt.default(1024).describe("`--random-output-len`: output tokens per request."),
    numPrompts: positiveInt.default(256).describe("`--num-prompts`: requests in the run."),
    maxConcurrency: positiveInt.default(32).describe("`--max-concurrency`: requests in flight."),
    timeoutMinutes: positiveInt.default(120).describe("Deadline of the benchmark Job."),
    resultVolumeSize: quantity.default("1Gi").describe("Size of the volume keeping the result JSON files."),
  })
  .describe("Benchmark Job (seed 003's workload by default).");
