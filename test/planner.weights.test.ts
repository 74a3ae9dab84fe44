import { describe, expect, it } from "vitest";
import { GLM5_ARCHITECTURE as glm5 } from "../infra/catalog/architectures";
import { MODELS } from "../infra/catalog/models";
import {
  indexerBytesPerTokenPerLayer,
  kvBytesPerTokenPerDevice,
  mlaBytesPerTokenPerLayer,
} from "../infra/planner/kvCache";
import { tensorInventory, totalParams } from "../infra/catalog/tensors";
import { checkpointBytes, weightBytesPerDevice } from "../infra/catalog/weights";
import { sglangDriver } from "../infra/engines/sglang";
import { vllmDriver } from "../infra/engines/vllm";
import { vllmAscendDriver } from "../infra/engines/vllmAscend";

const GiB = 2 ** 30;
const one = { tensor: 1, pipeline: 1, data: 1 };

describe("GLM-5 tensor inventory", () => {
  it("reproduces the published parameter count exactly (753,864,139,008 with the MTP layer)", () => {
    expect(totalParams(glm5)).toBe(753_864_139_008);
    expect(totalParams(glm5, false)).toBe(743_911_218_432); // the "744B" of the model card
  });

  it("routed experts are 97.4% of the main model", () => {
    const experts = tensorInventory(glm5)
      .filter((g) => g.placement === "expert" && g.scope === "layer")
      .reduce((s, g) => s + g.params, 0);
    expect(experts).toBe(75 * 256 * 3 * 6144 * 2048);
    expect(experts / totalParams(glm5, false)).toBeCloseTo(0.974, 3);
  });
});

describe("checkpoint sizes, derived, against the published figures", () => {
  it("GLM-5 FP8: 756 GB (block-quantised linear weights plus fp32 block scales, BF16 embeddings)", () => {
    expect(checkpointBytes(glm5, "fp8-block") / 1e9).toBeCloseTo(756.16, 2);
  });
  it("GLM-5 BF16: 1.51 TB; GLM-5.1 BF16: 1,404.19 GiB in 282 shards", () => {
    expect(checkpointBytes(glm5, "bf16") / 1e12).toBeCloseTo(1.51, 2);
    expect(Math.abs(checkpointBytes(glm5, "bf16") / GiB - 1404.19)).toBeLessThan(0.02);
  });
  it("GLM-5.1 Q4_K_M GGUF: 432.80 GiB", () => {
    expect(Math.abs(checkpointBytes(glm5, "gguf-q4_k_m") / GiB - 432.8)).toBeLessThan(0.4);
  });
  it("W4A8 (no published size): int4 experts put it near half of FP8", () => {
    expect(checkpointBytes(glm5, "w4a8") / 1e9).toBeCloseTo(407.7, 1);
  });
  it("the catalog's sizes are these derived ones", () => {
    expect(MODELS["glm-5-fp8"].checkpointBytes).toBe(checkpointBytes(glm5, "fp8-block"));
    expect(MODELS["glm-5-w4a8"].checkpointBytes).toBe(checkpointBytes(glm5, "w4a8"));
  });
});

describe("weights per device", () => {
  it("FP8, TP8, with the MTP layer: 90.00 GiB on each H200", () => {
    expect(weightBytesPerDevice(glm5, "fp8-block", { ...one, tensor: 8 }, true) / GiB).toBeCloseTo(90.0, 2);
  });

  it("replicated tensors (MLA down-projections, indexer, router) do not shrink with tensor parallelism", () => {
    const tp8 = weightBytesPerDevice(glm5, "bf16", { ...one, tensor: 8 }, false);
    const tp16 = weightBytesPerDevice(glm5, "bf16", { ...one, tensor: 16 }, false);
    const replicated = tensorInventory(glm5)
      .filter((g) => g.placement === "replicated" && g.scope !== "mtp")
      .reduce((s, g) => s + (g.role === "f32" ? 4 : 2) * g.params, 0);
    // Halving everything sharded leaves the replicated part whole: tp16 = (tp8 - R) / 2 + R.
    expect(tp16).toBeCloseTo((tp8 - replicated) / 2 + replicated, -3);
  });

  it("data parallelism shares the experts across ranks but replicates attention", () => {
    const dp1 = weightBytesPerDevice(glm5, "bf16", { ...one, tensor: 16 }, true);
    const dp2 = weightBytesPerDevice(glm5, "bf16", { ...one, tensor: 16, data: 2 }, true);
    expect(dp1 / GiB).toBeCloseTo(91.62, 2);
    expect(dp2 / GiB).toBeCloseTo(48.87, 2);
  });

  it("the MTP layer costs a layer's worth of weights when speculative decoding uses it", () => {
    const diff =
      weightBytesPerDevice(glm5, "fp8-block", { ...one, tensor: 8 }, true) -
      weightBytesPerDevice(glm5, "fp8-block", { ...one, tensor: 8 }, false);
    expect(diff / GiB).toBeCloseTo(1.31, 2);
  });

  it("pipeline stages split the layers and keep one of embedding / lm_head each", () => {
    const pp1 = weightBytesPerDevice(glm5, "fp8-block", { ...one, tensor: 4 }, false);
    const pp2 = weightBytesPerDevice(glm5, "fp8-block", { ...one, tensor: 4, pipeline: 2 }, false);
    const vocab = (2 * 154_880 * 6144) / 4; // one vocab matrix in BF16 over TP4
    const finalNorm = 2 * 6144; // replicated, on the last stage with lm_head
    expect(pp2).toBeCloseTo((pp1 - 2 * vocab - finalNorm) / 2 + vocab + finalNorm, -3);
  });
});

describe("KV cache bytes per token", () => {
  it("MLA latent: 1,152 bytes in BF16, 656 in vLLM's fp8_ds_mla", () => {
    expect(mlaBytesPerTokenPerLayer(glm5, "bf16")).toBe(1152);
    expect(mlaBytesPerTokenPerLayer(glm5, "fp8")).toBe(656);
  });
  // SGLang's NSATokenToKVPool keeps the indexer's keys as fp8 plus a scale whatever the MLA cache's
  // dtype (it used to be charged 256 bytes with a BF16 cache here, which undercounted its tokens).
  it("DSA indexer keys: 132 bytes as fp8 with a scale on CUDA engines, 256 in BF16 on Ascend", () => {
    expect(indexerBytesPerTokenPerLayer(glm5, vllmDriver.memory.indexerKeys)).toBe(132);
    expect(indexerBytesPerTokenPerLayer(glm5, sglangDriver.memory.indexerKeys)).toBe(132);
    expect(indexerBytesPerTokenPerLayer(glm5, vllmAscendDriver.memory.indexerKeys)).toBe(256);
  });
  it("per device: 78 layers plus the MTP layer, the same on every TP rank", () => {
    expect(
      kvBytesPerTokenPerDevice(glm5, { dtype: "bf16", indexerKeys: "fp8-scaled", withMtp: true, pipeline: 1 }),
    ).toBe(79 * (1152 + 132));
    expect(
      kvBytesPerTokenPerDevice(glm5, { dtype: "bf16", indexerKeys: "fp8-scaled", withMtp: false, pipeline: 1 }),
    ).toBe(78 * (1152 + 132));
    expect(
      kvBytesPerTokenPerDevice(glm5, { dtype: "fp8", indexerKeys: "fp8-scaled", withMtp: false, pipeline: 2 }),
    ).toBe(39 * (656 + 132));
  });
});
