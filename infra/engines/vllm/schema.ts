import { z } from "zod";
import {
  VLLM_KV_CACHE_DTYPES,
  VLLM_REASONING_PARSERS,
  VLLM_SPECULATIVE_METHODS,
  VLLM_TOOL_CALL_PARSERS,
} from "./choices";
import { envName, imageRef, positiveInt, unprivilegedPort } from "../../core/schemaFields";

/**
 * The vLLM engine (`vllm serve`). Each field is one flag; the argv builder (infra/engines/vllm/index.ts)
 * emits a flag only when the field is set, so a stack reproduces a hand-run command flag for flag.
 */
export const vllmEngineSchema = z.strictObject({
  kind: z.literal("vllm").default("vllm").describe("Engine: vLLM's OpenAI-compatible server (`vllm serve`)."),
  image: imageRef
    .prefault({ repository: "vllm/vllm-openai", tag: "glm5" })
    .describe("Engine image; default vllm/vllm-openai:glm5, the GLM-5 build of seed 000."),
  tensorParallelSize: positiveInt
    .default(8)
    .describe("`--tensor-parallel-size`: GPUs each model replica is sharded over."),
  pipelineParallelSize: positiveInt.default(1).describe("`--pipeline-parallel-size`; emitted only when above 1."),
  dataParallelSize: positiveInt.default(1).describe("`--data-parallel-size`; emitted only when above 1."),
  dataParallelRpcPort: unprivilegedPort
    .optional()
    .describe("`--data-parallel-rpc-port` of a multi-node group (nodePool.nodes above 1)."),
  enableExpertParallel: z
    .boolean()
    .default(false)
    .describe("`--enable-expert-parallel`: shard MoE experts instead of slicing each one."),
  speculative: z
    .strictObject({
      method: z
        .enum(VLLM_SPECULATIVE_METHODS)
        .describe("`--speculative-config.method`, e.g. mtp (the checkpoint's MTP layer)."),
      numSpeculativeTokens: z.number().int().min(1).max(8).describe("`--speculative-config.num_speculative_tokens`."),
    })
    .optional()
    .describe("Speculative decoding; unset turns it off."),
  toolCallParser: z
    .enum(VLLM_TOOL_CALL_PARSERS)
    .optional()
    .describe("`--tool-call-parser`; default: the catalog model's parser (glm47 for GLM-5 and GLM-5.1)."),
  reasoningParser: z
    .enum(VLLM_REASONING_PARSERS)
    .optional()
    .describe("`--reasoning-parser`; default: the catalog model's parser (glm45 for GLM-5 and GLM-5.1)."),
  enableAutoToolChoice: z
    .boolean()
    .default(true)
    .describe("`--enable-auto-tool-choice`: let the model decide to call tools."),
  chatTemplateContentFormat: z
    .enum(["auto", "string", "openai"])
    .optional()
    .describe(
      "`--chat-template-content-format`: how message content reaches the chat template (the GLM-5 recipe passes string).",
    ),
  gpuMemoryUtilization: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe("`--gpu-memory-utilization`: share of each GPU's memory vLLM may use; vLLM's default 0.9 when unset."),
  maxModelLen: positiveInt
    .optional()
    .describe("`--max-model-len`: longest prompt plus output; default: the model's 202,752."),
  maxNumSeqs: positiveInt
    .optional()
    .describe("`--max-num-seqs`: sequences decoded together; vLLM's default when unset."),
  maxNumBatchedTokens: positiveInt.optional().describe("`--max-num-batched-tokens`: tokens per scheduler step."),
  kvCacheDtype: z
    .enum(VLLM_KV_CACHE_DTYPES)
    .optional()
    .describe("`--kv-cache-dtype`; vLLM's default (auto) when unset."),
  enableChunkedPrefill: z
    .boolean()
    .optional()
    .describe("`--enable-chunked-prefill` / `--no-enable-chunked-prefill`; engine default when unset."),
  enablePrefixCaching: z
    .boolean()
    .optional()
    .describe("`--enable-prefix-caching` / `--no-enable-prefix-caching`; engine default when unset."),
  cpuOffloadGb: z
    .number()
    .min(0)
    .optional()
    .describe("`--cpu-offload-gb`: GiB of weights per GPU kept in host memory."),
  trustRemoteCode: z.boolean().default(false).describe("`--trust-remote-code`: run the checkpoint's own Python code."),
  streamFrom: z
    .string()
    .regex(/^(s3|gs):\/\/[a-z0-9][a-z0-9.-]{1,62}\/[A-Za-z0-9._/-]+$/, {
      error: "an s3:// or gs:// URI of a copy of the checkpoint, e.g. s3://models/zai-org/GLM-5-FP8/<commit>/",
    })
    .optional()
    .describe(
      "Stream the weights from object storage with vLLM's Run:ai model streamer (`--load-format runai_streamer`): the model argument becomes this URI, a copy of the verified cache's snapshot whose last path segment is the pinned commit. The cache and its Job stay: they are the copy's verified source, and the engine still waits for the commit's marker.",
    ),
  port: unprivilegedPort.default(8000).describe("`--port` the server listens on; emitted only when not 8000."),
  extraArgs: z
    .array(z.string())
    .default([])
    .describe(
      "Escape hatch: further `vllm serve` flags, appended verbatim (each must start with `--`, no typed flag twice).",
    ),
  env: z
    .record(envName, z.string())
    .default({})
    .describe("Extra environment variables of the engine container (not the ones this project manages)."),
});

export type VllmEngineConfig = z.infer<typeof vllmEngineSchema>;

/** After resolution (the driver's `resolve`, once): the parsers the model needs are set. */
export type ResolvedVllmEngineConfig = VllmEngineConfig;
