import { z } from "zod";
import {
  SGLANG_ATTENTION_BACKENDS,
  SGLANG_KV_CACHE_DTYPES,
  SGLANG_MOE_RUNNER_BACKENDS,
  SGLANG_NSA_BACKENDS,
  SGLANG_QUANTIZATIONS,
  SGLANG_REASONING_PARSERS,
  SGLANG_SPECULATIVE_ALGORITHMS,
  SGLANG_TOOL_CALL_PARSERS,
} from "./choices";
import { type ImageRef, envName, imageRef, positiveInt, unprivilegedPort } from "../../core/schemaFields";

/**
 * SGLang (`python3 -m sglang.launch_server`). Each field is one flag; the argv builder
 * (infra/engines/sglang/index.ts) emits a flag only when its field is set.
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
  kvCacheDtype: z
    .enum(SGLANG_KV_CACHE_DTYPES)
    .optional()
    .describe(
      "`--kv-cache-dtype`; unset: SGLang's choice (for GLM-5 fp8_e4m3 on B200, bfloat16 on H200). fp8 without calibrated scales costs accuracy.",
    ),
  maxRunningRequests: positiveInt
    .optional()
    .describe("`--max-running-requests`: requests decoded together; SGLang's default (from the pool) when unset."),
  cudaGraphMaxBs: positiveInt
    .optional()
    .describe("`--cuda-graph-max-bs`: largest batch captured as a CUDA graph (match it to the concurrency)."),
  chunkedPrefillSize: positiveInt.optional().describe("`--chunked-prefill-size`: prompt tokens prefilled per chunk."),
  maxPrefillTokens: positiveInt.optional().describe("`--max-prefill-tokens`: prompt tokens of one prefill batch."),
  attentionBackend: z
    .enum(SGLANG_ATTENTION_BACKENDS)
    .optional()
    .describe("`--attention-backend`; SGLang's choice when unset."),
  nsaPrefillBackend: z.enum(SGLANG_NSA_BACKENDS).optional().describe("`--nsa-prefill-backend` (DSA models)."),
  nsaDecodeBackend: z.enum(SGLANG_NSA_BACKENDS).optional().describe("`--nsa-decode-backend` (DSA models)."),
  moeRunnerBackend: z
    .enum(SGLANG_MOE_RUNNER_BACKENDS)
    .optional()
    .describe("`--moe-runner-backend`; SGLang's choice when unset."),
  quantization: z
    .enum(SGLANG_QUANTIZATIONS)
    .optional()
    .describe("`--quantization`; the checkpoint's own when unset (flashinfer_trtllm MoE needs it said: fp8)."),
  expertParallelSize: positiveInt
    .optional()
    .describe("`--ep-size`: expert-parallel ranks; SGLang's default 1 when unset."),
  enableFlashinferAllreduceFusion: z
    .boolean()
    .default(false)
    .describe("`--enable-flashinfer-allreduce-fusion`: fuse all-reduce with the residual norm (Blackwell)."),
  disableRadixCache: z
    .boolean()
    .default(false)
    .describe(
      "`--disable-radix-cache`: no prefix reuse between requests (benchmarks only: real traffic loses its prefix hits).",
    ),
  streamInterval: positiveInt
    .optional()
    .describe(
      "`--stream-interval`: tokens per streamed message; SGLang's default 1 when unset. Larger values (InferenceX: 30) cut streaming overhead, but a streaming client then gets its tokens in bursts.",
    ),
  modelLoaderExtraConfig: z
    .record(z.string(), z.union([z.boolean(), z.number(), z.string()]))
    .optional()
    .describe(
      "`--model-loader-extra-config`, as JSON: options of SGLang's weight loader, e.g. `{enable_multithread_load: true}` (InferenceX) to read the checkpoint with several threads.",
    ),
  trustRemoteCode: z.boolean().default(false).describe("`--trust-remote-code`: run the checkpoint's own Python code."),
  enableMetrics: z.boolean().default(false).describe("`--enable-metrics`: serve Prometheus metrics on /metrics."),
  port: unprivilegedPort
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
  distInitPort: unprivilegedPort
    .default(20000)
    .describe(
      "Port of `--dist-init-addr` on the leader, where a multi-node group's ranks meet (nodePool.nodes above 1).",
    ),
});

export type SglangEngineConfig = z.infer<typeof sglangEngineSchema>;

/** After resolution (the driver's `resolve`, once): the image for the accelerator and the model's parsers are set. */
export type ResolvedSglangEngineConfig = SglangEngineConfig & { readonly image: ImageRef };
