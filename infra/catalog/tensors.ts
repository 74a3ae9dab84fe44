import type { MoeArchitecture } from "./architectures";

/**
 * The weights of an MLA + MoE + DSA model (GLM-5, DeepSeek-V3.2 family), grouped by how an engine
 * places them on devices and how a quantised checkpoint stores them.
 *
 * Placement under parallelism (vLLM `deepseek_v2.py`; SGLang and vLLM-Ascend do the same):
 * - replicated on every rank: the MLA down-projections (`q_a_proj`, `kv_a_proj_with_mqa`, fused as
 *   `fused_qkv_a_proj`), all norms, the whole DSA indexer (`wq_b`, `wk`, `k_norm`, `weights_proj`),
 *   the MoE router (`mlp.gate` and its correction bias) and the MTP block's `eh_proj`/norms;
 * - split over tensor-parallel ranks: `q_b_proj`, `kv_b_proj` (column-parallel), `o_proj`
 *   (row-parallel), the shared expert and dense MLPs, `embed_tokens` and `lm_head` (by vocabulary);
 * - split over every rank of the expert group (TP x DP): routed experts, whole experts per rank with
 *   `--enable-expert-parallel`, or each expert's intermediate dimension sliced without it.
 *
 * Storage (`Role`): "linear" weights are what FP8/W4A8 quantise; "keep" stays BF16 in every
 * checkpoint (embeddings, lm_head, router, norms, indexer `weights_proj`, MTP `eh_proj`); "f32" is
 * the router's score-correction bias. W4A8 additionally keeps `kv_b_proj` and the indexer
 * projections in BF16 and stores routed experts in 4 bits ("expert").
 *
 * The inventory reproduces the published parameter count of GLM-5 exactly (753,864,139,008 with
 * the MTP layer): test/planner.weights.test.ts.
 */
export type Placement = "replicated" | "tensor" | "expert" | "vocab";
export type Role = "linear" | "expert" | "linear-bf16-in-w4a8" | "keep" | "f32";
/** Which layers a group belongs to: main decoder layers, the MTP draft layer, or neither (embeddings). */
export type Scope = "layer" | "mtp" | "model";

export interface TensorGroup {
  readonly name: string;
  /** Parameters of the group across the whole model (all layers of its scope). */
  readonly params: number;
  readonly placement: Placement;
  readonly role: Role;
  readonly scope: Scope;
  /** Output rows of each matrix (for per-channel and per-block scale counts). */
  readonly rows: number;
  /** Input columns of each matrix. */
  readonly cols: number;
  /** Matrices in the group. */
  readonly matrices: number;
}

function matrix(
  name: string,
  rows: number,
  cols: number,
  count: number,
  placement: Placement,
  role: Role,
  scope: Scope,
): TensorGroup {
  return { name, params: rows * cols * count, placement, role, scope, rows, cols, matrices: count };
}

function vector(name: string, size: number, count: number, role: Role, scope: Scope): TensorGroup {
  return { name, params: size * count, placement: "replicated", role, scope, rows: size, cols: 1, matrices: count };
}

/** Weights of one decoder layer kind, `count` times, in a scope. */
function decoderLayers(
  a: MoeArchitecture,
  count: { dense: number; moe: number; all: number },
  scope: Scope,
): TensorGroup[] {
  const heads = a.numAttentionHeads;
  const groups: TensorGroup[] = [
    matrix("attn.q_a_proj", a.qLoraRank, a.hiddenSize, count.all, "replicated", "linear", scope),
    matrix(
      "attn.kv_a_proj_with_mqa",
      a.kvLoraRank + a.qkRopeHeadDim,
      a.hiddenSize,
      count.all,
      "replicated",
      "linear",
      scope,
    ),
    matrix(
      "attn.q_b_proj",
      heads * (a.qkNopeHeadDim + a.qkRopeHeadDim),
      a.qLoraRank,
      count.all,
      "tensor",
      "linear",
      scope,
    ),
    matrix(
      "attn.kv_b_proj",
      heads * (a.qkNopeHeadDim + a.vHeadDim),
      a.kvLoraRank,
      count.all,
      "tensor",
      "linear-bf16-in-w4a8",
      scope,
    ),
    matrix("attn.o_proj", a.hiddenSize, heads * a.vHeadDim, count.all, "tensor", "linear", scope),
    vector("norms", a.qLoraRank + a.kvLoraRank + 2 * a.hiddenSize, count.all, "keep", scope),
  ];
  if (a.indexer) {
    const ix = a.indexer;
    groups.push(
      matrix("indexer.wq_b", ix.heads * ix.headDim, a.qLoraRank, count.all, "replicated", "linear-bf16-in-w4a8", scope),
      matrix("indexer.wk", ix.headDim, a.hiddenSize, count.all, "replicated", "linear-bf16-in-w4a8", scope),
      vector("indexer.k_norm", 2 * ix.headDim, count.all, "keep", scope),
      matrix("indexer.weights_proj", ix.heads, a.hiddenSize, count.all, "replicated", "keep", scope),
    );
  }
  if (count.moe > 0) {
    groups.push(
      // gate_proj, up_proj and down_proj of every routed expert.
      matrix(
        "moe.routed_experts.gate_up",
        2 * a.moeIntermediateSize,
        a.hiddenSize,
        a.routedExperts * count.moe,
        "expert",
        "expert",
        scope,
      ),
      matrix(
        "moe.routed_experts.down",
        a.hiddenSize,
        a.moeIntermediateSize,
        a.routedExperts * count.moe,
        "expert",
        "expert",
        scope,
      ),
      matrix(
        "moe.shared_experts.gate_up",
        2 * a.moeIntermediateSize * a.sharedExperts,
        a.hiddenSize,
        count.moe,
        "tensor",
        "linear",
        scope,
      ),
      matrix(
        "moe.shared_experts.down",
        a.hiddenSize,
        a.moeIntermediateSize * a.sharedExperts,
        count.moe,
        "tensor",
        "linear",
        scope,
      ),
      matrix("moe.router", a.routedExperts, a.hiddenSize, count.moe, "replicated", "keep", scope),
      vector("moe.router.score_correction_bias", a.routedExperts, count.moe, "f32", scope),
    );
  }
  if (count.dense > 0) {
    groups.push(
      matrix("mlp.gate_up", 2 * a.intermediateSize, a.hiddenSize, count.dense, "tensor", "linear", scope),
      matrix("mlp.down", a.hiddenSize, a.intermediateSize, count.dense, "tensor", "linear", scope),
    );
  }
  return groups;
}

/** Every weight of the checkpoint: main layers, embeddings, and the MTP layer(s). */
export function tensorInventory(a: MoeArchitecture): TensorGroup[] {
  const moeLayers = a.numHiddenLayers - a.firstDenseLayers;
  const groups = [
    ...decoderLayers(a, { dense: a.firstDenseLayers, moe: moeLayers, all: a.numHiddenLayers }, "layer"),
    matrix("embed_tokens", a.vocabSize, a.hiddenSize, 1, "vocab", "keep", "model"),
    vector("final_norm", a.hiddenSize, 1, "keep", "model"),
  ];
  if (!a.tieWordEmbeddings) groups.push(matrix("lm_head", a.vocabSize, a.hiddenSize, 1, "vocab", "keep", "model"));
  if (a.mtpLayers > 0) {
    // DeepSeek-style MTP block: a full MoE decoder layer, `eh_proj` (concat of embedding and hidden
    // state back to hidden), enorm/hnorm and the shared head's norm; embeddings and lm_head are
    // shared with the main model.
    groups.push(
      ...decoderLayers(a, { dense: 0, moe: a.mtpLayers, all: a.mtpLayers }, "mtp"),
      matrix("mtp.eh_proj", a.hiddenSize, 2 * a.hiddenSize, a.mtpLayers, "replicated", "keep", "mtp"),
      vector("mtp.norms", 3 * a.hiddenSize, a.mtpLayers, "keep", "mtp"),
    );
  }
  return groups;
}

export function totalParams(a: MoeArchitecture, includeMtp = true): number {
  return tensorInventory(a)
    .filter((g) => includeMtp || g.scope !== "mtp")
    .reduce((sum, g) => sum + g.params, 0);
}
