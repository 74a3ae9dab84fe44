import { GLM5_ARCHITECTURE, type MoeArchitecture } from "./architectures";

/**
 * Model catalog: every checkpoint a stack can serve, with where it comes from, how big it is on
 * disk and what it is made of.
 *
 * Checkpoint sizes are what a full download writes (safetensors plus configs): GLM-5 FP8 is
 * 756 GB and BF16 1.51 TB as listed on their model pages; GLM-5.1 BF16 is 282 shards totalling
 * 1,404.19 GiB and GLM-5.1 FP8 ~750 GB. The W4A8 size is derived (routed experts at 4 bits,
 * everything else at 8 or 16): see docs/capacity-planning.md.
 */

/** How the weights are stored; decides bytes per parameter in the planner. */
export type Quantization =
  | "bf16"
  /** FP8 e4m3 with 128x128 block scales; embeddings, lm_head, router and norms stay BF16. */
  | "fp8-block"
  /** Ascend W4A8 (msmodelslim): int4 routed experts, int8 elsewhere, BF16 norms/embeddings. */
  | "w4a8"
  /** llama.cpp GGUF Q4_K_M. */
  | "gguf-q4";

export type ModelHub = "huggingface" | "modelscope" | "modelers";

export interface ModelEntry {
  readonly id: string;
  readonly displayName: string;
  readonly hub: ModelHub;
  /** Repository id on the hub; also the positional model argument of `vllm serve`. */
  readonly repo: string;
  /**
   * Pinned commit of the repository, or null where no commit is known to this catalog; a stack
   * serving such a model must pin one itself (`model.revision`).
   */
  readonly revision: string | null;
  readonly quantization: Quantization;
  readonly checkpointBytes: number;
  readonly architecture: MoeArchitecture;
  /** Name clients use in the `model` field of API requests unless the stack overrides it. */
  readonly defaultServedModelName: string;
  /** Parsers the model's chat format needs in vLLM and SGLang. */
  readonly toolCallParser: string;
  readonly reasoningParser: string;
  /** Whether the checkpoint carries the MTP layer speculative decoding needs. */
  readonly hasMtpWeights: boolean;
}

const GB = 1e9;
const GiB = 1024 ** 3;

export const MODELS = {
  "glm-5-fp8": {
    id: "glm-5-fp8",
    displayName: "GLM-5 FP8",
    hub: "huggingface",
    repo: "zai-org/GLM-5-FP8",
    // Snapshot commit of zai-org/GLM-5-FP8 seen in a public serving log of 2026-02-26.
    revision: "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1",
    quantization: "fp8-block",
    checkpointBytes: 756 * GB,
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5-fp8",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
  "glm-5-bf16": {
    id: "glm-5-bf16",
    displayName: "GLM-5 BF16",
    hub: "huggingface",
    repo: "zai-org/GLM-5",
    revision: null,
    quantization: "bf16",
    checkpointBytes: 1510 * GB,
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
  "glm-5.1-fp8": {
    id: "glm-5.1-fp8",
    displayName: "GLM-5.1 FP8",
    hub: "huggingface",
    repo: "zai-org/GLM-5.1-FP8",
    // Snapshot commit of zai-org/GLM-5.1-FP8 seen in public deployment scripts.
    revision: "f396cf805182f4ca10fa675e1a99815b3ca384db",
    quantization: "fp8-block",
    checkpointBytes: 750 * GB,
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5.1",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
  "glm-5.1-bf16": {
    id: "glm-5.1-bf16",
    displayName: "GLM-5.1 BF16",
    hub: "huggingface",
    repo: "zai-org/GLM-5.1",
    revision: null,
    quantization: "bf16",
    checkpointBytes: Math.round(1404.19 * GiB),
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5.1",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
} as const satisfies Record<string, ModelEntry>;

export type ModelId = keyof typeof MODELS;
export const MODEL_IDS = Object.keys(MODELS) as [ModelId, ...ModelId[]];

export function model(id: ModelId): ModelEntry {
  return MODELS[id];
}
