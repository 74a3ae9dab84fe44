import { z } from "zod";
import { type ImageRef, envName, imageRef, positiveInt, unprivilegedPort } from "../../core/schemaFields";

/** A JSON object passed to a vLLM `--*-config` flag. */
const jsonObject = z.record(z.string(), z.json());

/**
 * vLLM-Ascend on Huawei Ascend NPUs (`vllm serve <local model dir>`). Defaults are the settings every
 * deployment of seed 002 shares (expert parallelism, seed 1024, 4096 batched tokens, 0.95 of the
 * NPU, full-decode graphs, 3 MTP draft tokens, the seed's environment); a stack names only the rest.
 */
export const vllmAscendEngineSchema = z.strictObject({
  kind: z.literal("vllm-ascend").describe("Engine: vLLM with the vLLM-Ascend plugin, on Ascend NPUs."),
  image: imageRef
    .optional()
    .describe(
      "Engine image; default quay.io/ascend/vllm-ascend:glm5-a3 on A3 nodes, quay.io/ascend/vllm-ascend:glm5 on A2.",
    ),
  tensorParallelSize: positiveInt
    .optional()
    .describe("`--tensor-parallel-size`; default: every NPU of a node (16 on A3, 8 on A2)."),
  dataParallelSize: positiveInt
    .default(1)
    .describe("`--data-parallel-size` (always emitted): data-parallel ranks of the whole group."),
  dataParallelRpcPort: unprivilegedPort
    .optional()
    .describe("`--data-parallel-rpc-port` of a multi-node group (seed 002: 12890 on A3, 13389 on A2)."),
  enableExpertParallel: z.boolean().default(true).describe("`--enable-expert-parallel`."),
  seed: z.number().int().min(0).optional().default(1024).describe("`--seed` for sampling."),
  maxNumSeqs: positiveInt.optional().describe("`--max-num-seqs`."),
  maxModelLen: positiveInt.optional().describe("`--max-model-len`."),
  maxNumBatchedTokens: positiveInt.default(4096).describe("`--max-num-batched-tokens`."),
  trustRemoteCode: z.boolean().default(true).describe("`--trust-remote-code`."),
  gpuMemoryUtilization: z
    .number()
    .gt(0)
    .max(1)
    .default(0.95)
    .describe("`--gpu-memory-utilization`: share of each NPU's memory."),
  quantization: z.enum(["ascend"]).optional().describe("`--quantization`: ascend for msmodelslim checkpoints (W4A8)."),
  enableChunkedPrefill: z.boolean().optional().describe("`--enable-chunked-prefill` / `--no-enable-chunked-prefill`."),
  enablePrefixCaching: z.boolean().optional().describe("`--enable-prefix-caching` / `--no-enable-prefix-caching`."),
  asyncScheduling: z.boolean().default(false).describe("`--async-scheduling`."),
  additionalConfig: jsonObject
    .optional()
    .describe("`--additional-config` (JSON), e.g. {multistream_overlap_shared_expert: true}."),
  compilationConfig: jsonObject
    .default({ cudagraph_mode: "FULL_DECODE_ONLY" })
    .describe("`--compilation-config` (JSON); graphs for decode only."),
  speculative: z
    .strictObject({
      method: z.enum(["deepseek_mtp", "mtp"]).describe("`method` of `--speculative-config`."),
      numSpeculativeTokens: z
        .number()
        .int()
        .min(1)
        .max(8)
        .describe("`num_speculative_tokens` of `--speculative-config`."),
    })
    .nullable()
    .default({ method: "deepseek_mtp", numSpeculativeTokens: 3 })
    .describe("`--speculative-config` (MTP); null turns speculative decoding off."),
  toolCallParser: z.string().min(1).optional().describe("`--tool-call-parser` (seed 002 sets none)."),
  reasoningParser: z.string().min(1).optional().describe("`--reasoning-parser` (seed 002 sets none)."),
  balanceScheduling: z
    .boolean()
    .default(false)
    .describe("VLLM_ASCEND_BALANCE_SCHEDULING=1 (seed 002's single-node runs)."),
  hcclBufferMB: positiveInt.default(200).describe("HCCL_BUFFSIZE: MB of HCCL buffer per communicator."),
  ompNumThreads: positiveInt.default(10).describe("OMP_NUM_THREADS."),
  port: unprivilegedPort.default(8077).describe("`--port` (always emitted, with `--host 0.0.0.0`)."),
  extraArgs: z.array(z.string()).default([]).describe("Escape hatch: further `vllm serve` flags, appended verbatim."),
  env: z.record(envName, z.string()).default({}).describe("Extra environment variables of the engine container."),
});

export type VllmAscendEngineConfig = z.infer<typeof vllmAscendEngineSchema>;

/** After resolution (the driver's `resolve`, once): the image and tensor-parallel size for the node are set. */
export type ResolvedVllmAscendEngineConfig = VllmAscendEngineConfig & {
  readonly image: ImageRef;
  readonly tensorParallelSize: number;
};
