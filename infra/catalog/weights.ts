import type { MoeArchitecture } from "./architectures";
import type { Quantization } from "./models";
import { groupBytes } from "./quantization";
import { tensorInventory, type Placement, type TensorGroup } from "./tensors";

/** How one model replica (or the expert group of several) is laid over devices. */
export interface Parallelism {
  readonly tensor: number;
  readonly pipeline: number;
  /** Data-parallel ranks; attention and dense weights are replicated per rank, experts shared by all. */
  readonly data: number;
}

/** Bytes of a whole checkpoint in a quantisation (what a download writes, safetensors payload). */
export function checkpointBytes(a: MoeArchitecture, q: Quantization): number {
  return tensorInventory(a).reduce((sum, g) => sum + groupBytes(g, q), 0);
}

/** Devices a group is split over: tensor ranks, or every rank of the expert group for routed experts. */
export function shardCount(placement: Placement, p: Parallelism): number {
  switch (placement) {
    case "replicated":
      return 1;
    case "tensor":
    case "vocab":
      return p.tensor;
    case "expert":
      return p.tensor * p.data;
  }
}

/**
 * Weight bytes on the most loaded device. Decoder layers are split evenly over pipeline stages;
 * the embedding sits on the first stage and lm_head with the final norm on the last, so with
 * pipeline parallelism the larger of the two ends is added to one stage. The MTP layer is loaded only when speculative decoding
 * drafts with it (it shares the main model's embedding and lm_head).
 */
export function weightBytesPerDevice(a: MoeArchitecture, q: Quantization, p: Parallelism, withMtp: boolean): number {
  const groups = tensorInventory(a).filter((g) => withMtp || g.scope !== "mtp");
  const perDevice = (g: TensorGroup) => groupBytes(g, q) / shardCount(g.placement, p);
  const layers = groups.filter((g) => g.scope !== "model").reduce((s, g) => s + perDevice(g), 0) / p.pipeline;
  const model = groups.filter((g) => g.scope === "model");
  const sum = (gs: TensorGroup[]) => gs.reduce((s, g) => s + perDevice(g), 0);
  // With pipeline stages the embedding sits on the first, lm_head and the final norm on the last.
  const edges =
    p.pipeline === 1
      ? sum(model)
      : Math.max(
          sum(model.filter((g) => g.name === "embed_tokens")),
          sum(model.filter((g) => g.name !== "embed_tokens")),
        );
  return Math.ceil(layers + edges);
}
