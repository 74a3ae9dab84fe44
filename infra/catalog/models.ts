import type { GgufQuantization } from "./quantization";
import { checkpointBytes } from "./weights";
import { GLM47_FLASH_ARCHITECTURE, GLM5_ARCHITECTURE, type MoeArchitecture } from "./architectures";

/**
 * Model catalog: every checkpoint a stack can serve, with where it comes from, how big it is and
 * what it is made of.
 *
 * Sizes are derived tensor by tensor from the architecture and the quantisation (infra/planner), and
 * the tests hold them to the published figures: GLM-5 FP8 756 GB and BF16 1.51 TB on their model
 * pages, GLM-5.1 BF16 282 shards totalling 1,404.19 GiB. The W4A8 size has no published figure and
 * is derived the same way (see docs/capacity-planning.md).
 */

/** How the weights are stored; decides bytes per parameter in the planner. */
export type Quantization =
  | "bf16"
  /** FP8 e4m3 with 128x128 block scales; embeddings, lm_head, router and norms stay BF16. */
  | "fp8-block"
  /** Ascend W4A8 (msmodelslim): int4 routed experts, int8 elsewhere, BF16 norms/embeddings. */
  | "w4a8"
  /** llama.cpp GGUF quantisations (infra/catalog/quantization.ts: GGUF_QUANTS). */
  | GgufQuantization;

export type ModelHub = "huggingface" | "modelscope" | "modelers";

export interface ModelEntry {
  readonly id: string;
  readonly displayName: string;
  readonly hub: ModelHub;
  /** Repository id on the hub; also the positional model argument of `vllm serve`. */
  readonly repo: string;
  /**
   * Revision to download: a pinned commit for Hugging Face repositories; on ModelScope and Modelers,
   * where no commit is known to this catalog, the default branch (a floating reference `npm run plan`
   * points out). Null where nothing is known: a stack must then pin one itself (`model.revision`).
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
  /** A llama.cpp GGUF checkpoint: which files of the repository it is (absent: safetensors). */
  readonly gguf?: GgufFiles;
}

/**
 * One GGUF quantisation in a repository that holds several: its directory and its split files
 * (llama.cpp's `<name>-0000i-of-0000n.gguf`). llama.cpp is given the first part and finds the others
 * next to it by that naming (llama_split_prefix), so every part must be in the same directory.
 */
export interface GgufFiles {
  readonly directory: string;
  readonly files: readonly string[];
}

/** What a checkpoint is stored as: the engines' `checkpointFormats` say which they load. */
export type CheckpointFormat = "safetensors" | "gguf";

export function checkpointFormat(entry: ModelEntry): CheckpointFormat {
  return entry.gguf ? "gguf" : "safetensors";
}

/** The split files `<stem>-00001-of-0000n.gguf` ... of one GGUF quantisation. */
function splitFiles(directory: string, stem: string, parts: number): GgufFiles {
  const n = String(parts).padStart(5, "0");
  return {
    directory,
    files: Array.from({ length: parts }, (_, i) => `${stem}-${String(i + 1).padStart(5, "0")}-of-${n}.gguf`),
  };
}

/**
 * unsloth's GGUF repositories of GLM-5.1 and GLM-5: one directory per quantisation. The directories
 * and split counts are the ones public llama.cpp commands and download scripts name:
 * - unsloth/GLM-5.1-GGUF: UD-IQ2_M/GLM-5.1-UD-IQ2_M-00001-of-00006.gguf in unsloth's own GLM-5.1 guide;
 *   UD-Q2_K_XL and UD-IQ3_XXS in seven parts.
 * - unsloth/GLM-5-GGUF: UD-IQ2_XXS/GLM-5-UD-IQ2_XXS-00001-of-00006.gguf, the 2-bit quant unsloth's
 *   GLM-5 guide recommends (241 GB: "a 1x24GB card and 256GB of RAM with MoE offloading"), as
 *   deployment guides and tools that load it name its first part. Its other quants (UD-TQ1_0, 176 GB;
 *   UD-Q2_K_XL, 281 GB) are published, but no source seen names their split files: not in the catalog.
 * No commit of these repositories is known to this catalog: the revision is the default branch, which
 * the download resolves and records (pin one with model.revision once you have verified it). Sizes:
 * estimates, see GGUF_QUANTS in infra/catalog/quantization.ts.
 */
function unslothGguf(
  release: "GLM-5" | "GLM-5.1",
  quant: "UD-IQ2_XXS" | "UD-IQ2_M" | "UD-Q2_K_XL" | "UD-IQ3_XXS",
  parts: number,
) {
  const quantization = `gguf-${quant.toLowerCase()}` as GgufQuantization;
  return {
    id: `${release.toLowerCase()}-gguf-${quant.toLowerCase()}`,
    displayName: `${release} GGUF ${quant} (unsloth)`,
    hub: "huggingface",
    repo: `unsloth/${release}-GGUF`,
    revision: "main",
    quantization,
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, quantization),
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: release.toLowerCase(),
    // llama.cpp parses tool calls and reasoning from the GGUF's own chat template (--jinja); these
    // are what the vLLM/SGLang stacks of the same model use, kept for completeness.
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    // The file carries the nextn (MTP) block, but llama-server does not draft with it.
    hasMtpWeights: false,
    gguf: splitFiles(quant, `${release}-${quant}`, parts),
  } as const satisfies ModelEntry;
}

export const MODELS = {
  "glm-5-fp8": {
    id: "glm-5-fp8",
    displayName: "GLM-5 FP8",
    hub: "huggingface",
    repo: "zai-org/GLM-5-FP8",
    // Snapshot commit of zai-org/GLM-5-FP8 seen in a public serving log of 2026-02-26.
    revision: "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1",
    quantization: "fp8-block",
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, "fp8-block"),
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
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, "bf16"),
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
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, "fp8-block"),
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
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, "bf16"),
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5.1",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
  "glm-4.7-flash": {
    id: "glm-4.7-flash",
    displayName: "GLM-4.7-Flash (staging)",
    hub: "huggingface",
    repo: "zai-org/GLM-4.7-Flash",
    // The source revision public derived checkpoints of it cite.
    revision: "7dd20894a642a0aa287e9827cb1a1f7f91386b67",
    quantization: "bf16",
    checkpointBytes: checkpointBytes(GLM47_FLASH_ARCHITECTURE, "bf16"),
    architecture: GLM47_FLASH_ARCHITECTURE,
    defaultServedModelName: "glm-4.7-flash",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
  "glm-5-bf16-modelscope": {
    id: "glm-5-bf16-modelscope",
    displayName: "GLM-5 BF16 (ModelScope)",
    hub: "modelscope",
    repo: "ZhipuAI/GLM-5",
    // ModelScope's default branch; no commit of it is known to this catalog (pin one with model.revision).
    revision: "master",
    quantization: "bf16",
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, "bf16"),
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    hasMtpWeights: true,
  },
  "glm-5-w4a8": {
    id: "glm-5-w4a8",
    displayName: "GLM-5 W4A8 (Ascend)",
    // Published on Modelers (seed 002) and on ModelScope (vLLM-Ascend's GLM-5 tutorial); ModelScope's
    // client ships with the vLLM-Ascend images, and its file listing carries sizes and sha256 for the
    // verification step.
    hub: "modelscope",
    repo: "Eco-Tech/GLM-5-w4a8",
    // ModelScope's default branch; no commit of it is known to this catalog (pin one with model.revision).
    revision: "master",
    quantization: "w4a8",
    checkpointBytes: checkpointBytes(GLM5_ARCHITECTURE, "w4a8"),
    architecture: GLM5_ARCHITECTURE,
    defaultServedModelName: "glm-5",
    toolCallParser: "glm47",
    reasoningParser: "glm45",
    // Seed 002 runs it with `deepseek_mtp` speculative decoding: the MTP layer ships unquantised.
    hasMtpWeights: true,
  },
  "glm-5.1-gguf-ud-iq2_m": unslothGguf("GLM-5.1", "UD-IQ2_M", 6),
  "glm-5.1-gguf-ud-q2_k_xl": unslothGguf("GLM-5.1", "UD-Q2_K_XL", 7),
  "glm-5.1-gguf-ud-iq3_xxs": unslothGguf("GLM-5.1", "UD-IQ3_XXS", 7),
  "glm-5-gguf-ud-iq2_xxs": unslothGguf("GLM-5", "UD-IQ2_XXS", 6),
} as const satisfies Record<string, ModelEntry>;

export type ModelId = keyof typeof MODELS;
export const MODEL_IDS = Object.keys(MODELS) as [ModelId, ...ModelId[]];

export function model(id: ModelId): ModelEntry {
  return MODELS[id];
}
