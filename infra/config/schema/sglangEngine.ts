import { z } from "zod";
import {
  SGLANG_REASONING_PARSERS,
  SGLANG_SPECULATIVE_ALGORITHMS,
  SGLANG_TOOL_CALL_PARSERS,
} from "../../catalog/sglangChoices";
import { envName, imageRef, positiveInt } from "./common";

/**
 * SGLang (`python3 -m sglang.launch_server`). Each field is one flag; the argv builder
 * (infra/engines/sglang.ts) emits a flag only when its field is set.
 */
export const sglangEngineSchema = z.strictObject({
  kind: z.literal("sglang").describe("Engine: SGLang's OpenAI-compatible server (`sglang.launch_server`)."),
  image: imageRef
    .optional()
    .describe("Engine image; default lmsysorg/sglang:glm5-blackwell on B200, lmsysorg/sglang:glm5-hopper elsewhere."),
  tensorParallelSize: positiveInt.default(8).describe("`--tp-size`: GPUs the model is sharded over."),
  dataParallelSize: positiveInt.default(1).describe("`--dp-size`; emitted only when above 1."),
  toolCallParser: z
    .enum(SGLANG_TOOL_CALL_PARSERS)
    .optional()
    .describe("`--tool-call-parser`; default: the catalog model's parser (glm47 for GLM-5 and GLM-5.1)."),
  reasoningParser: z
    .enum(SGLANG_REASONING_PARSERS)
    .optional()
    .describe("`--reasoning-parser`; default: the catalog model's parser (glm45 for GLM-5 and GLM-5.1)."),
  speculative: z
    .strictObject({
      algorithm: z
        .enum(SGLANG_SPECULATIVE_ALGORITHMS)
        .describe("`--speculative-algorithm` (EAGLE drafts with GLM-5's MTP layer)."),
      numSteps: z.number().int().min(1).max(16).describe("`--speculative-num-steps`: draft depth."),
      eagleTopk: z.number().int().min(1).max(16).describe("`--speculative-eagle-topk`: branches per draft step."),
      numDraftTokens: z
        .number()
        .int()
        .min(1)
        .max(64)
        .describe("`--speculative-num-draft-tokens`: tokens verified per step."),
    })
    .optional()
    .describe("Speculative decoding; unset turns it off."),
  memFractionStatic: z
    .number()
    .gt(0)
    .lt(1)
    .optional()
    .describe("`--mem-fraction-static`: share of each GPU for weights plus KV pool; SGLang's own choice when unset."),
  contextLength: positiveInt
    .optional()
    .describe("`--context-length`: longest prompt plus output; default: the model's 202,752."),
  trustRemoteCode: z.boolean().default(false).describe("`--trust-remote-code`: run the checkpoint's own Python code."),
  enableMetrics: z.boolean().default(false).describe("`--enable-metrics`: serve Prometheus metrics on /metrics."),
  port: z
    .number()
    .int()
    .min(1024)
    .max(65535)
    .default(8000)
    .describe("`--port` the server listens on (always emitted, with `--host 0.0.0.0`)."),
  extraArgs: z
    .array(z.string())
    .default([])
    .describe(
      "Escape hatch: further launch_server flags, appended verbatim (each must start with `--`, no typed flag twice).",
    ),
  env: z.record(envName, z.string()).default({}).describe("Extra environment variables of the engine container."),
  enableExpertParallel: z
    .boolean()
    .default(false)
    .describe(
      "Experts spread over every rank (`--ep-size` = tensor x data) with data-parallel attention (`--enable-dp-attention`, TP = tensorParallelSize per attention group); required across nodes.",
    ),
  distInitPort: z
    .number()
    .int()
    .min(1024)
    .max(65535)
    .default(20000)
    .describe(
      "Port of `--dist-init-addr` on the leader, where a multi-node group's ranks meet (nodePool.nodes above 1).",
    ),
});

export type SglangEngineConfig = z.infer<typeof sglangEngineSchema>;
