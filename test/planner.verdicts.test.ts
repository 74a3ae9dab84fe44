import { describe, expect, it } from "vitest";
import { ACCELERATORS as A } from "../infra/catalog/accelerators";
import { MODELS as M } from "../infra/catalog/models";
import { planCapacity, type CapacityInput } from "../infra/planner/capacity";

/**
 * The reference verdicts of issue 3: the seeds' deployments (and their disputed claims), settled by
 * arithmetic. Inputs are each seed's flags; numbers are the planner's, pinned so a change to the
 * model shows up here.
 */
const GiB = 2 ** 30;
const base = {
  stack: "ref",
  nodes: 1,
  pipeline: 1,
  data: 1,
  expertParallel: false,
  kvDtype: "bf16",
  mtpDraft: true,
  cpuOffloadGiB: 0,
  groupsAllowed: true,
} as const;
/** Seed 002's vLLM-Ascend flags: EP, 0.95, 4096 batched tokens, deepseek_mtp. */
const ascend = {
  ...base,
  engine: "vllm-ascend",
  expertParallel: true,
  memoryFraction: 0.95,
  maxNumBatchedTokens: 4096,
} as const;
const plan = (i: Omit<CapacityInput, "stack"> & { stack?: string }) => planCapacity({ stack: "ref", ...i });

describe("reference verdicts", () => {
  it("GLM-5 FP8 on 8x H200, vLLM TP8 at 0.85 (seed 000): fits, with ~236K KV tokens", () => {
    const p = plan({
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["h200-141gb"],
      engine: "vllm",
      tensor: 8,
      memoryFraction: 0.85,
    });
    expect(p.fits).toBe(true);
    expect(p.weightBytesPerDevice / GiB).toBeCloseTo(90.0, 2);
    expect(p.kvBytesPerTokenPerDevice).toBe(101_436);
    expect(p.kvCacheTokens).toBe(236_096);
    expect(p.maxConcurrentSequencesAtMaxLen).toBe(1.16);
    expect(p.problems).toEqual([]);
  });

  it("GLM-5 FP8 on 8x H100 80GB (seed 000's 'minimum'): does not fit, the weights alone exceed the device", () => {
    const p = plan({
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["h100-80gb"],
      engine: "vllm",
      tensor: 8,
      memoryFraction: 0.85,
    });
    expect(p.fits).toBe(false);
    expect(p.problems).toEqual([
      "the weights alone, 90.00 GiB per device, are more than all of one h100-80gb device (79.11 GiB)",
      "weights 90.00 GiB + overhead 6.53 GiB = 96.53 GiB exceed the 67.24 GiB vllm may use of one h100-80gb device (79.11 GiB) at --gpu-memory-utilization 0.85",
    ]);
    expect(p.suggestions).toEqual([
      "more devices: 4 nodes of 8 x h100-80gb as DP4 x TP8 with expert parallelism (25.86 GiB of weights per device, 368,896 KV tokens)",
      "bigger devices: 1 node(s) of 8 x h200-141gb (236,096 KV tokens)",
      // 51 GiB, not the 49 that leaves exactly one sequence: an alternative must fit with the 10% KV spare.
      "CPU offload: engine.cpuOffloadGb 51 with pod.memory 440Gi or more (--cpu-offload-gb 51: 51 GiB of weights per GPU in host memory; every decode step then streams them over PCIe)",
    ]);
    expect(p.verdict).toBe("does-not-fit");
    expect(p.alternatives.map((a) => a.settings)).toEqual([
      {
        "nodePool.nodes": 4,
        "engine.dataParallelSize": 4,
        "engine.enableExpertParallel": true,
        "engine.dataParallelRpcPort": 13389,
        "weightCache.accessMode": "ReadWriteMany",
        "weightCache.storageClass.name": "efs-sc",
        "weightCache.storageClass.type": "efs",
        "leaderWorkerSet.install": true,
      },
      { "nodePool.accelerator": "h200-141gb" },
      { "engine.cpuOffloadGb": 51, "pod.memory": "440Gi" },
    ]);
  });

  // Was 576,128 tokens while every engine was charged a BF16 cache, a 256-byte SGLang indexer and the
  // draft layer inside the static share. SGLang runs GLM-5 on B200 with an fp8_e4m3 cache by default
  // (656 + 132 bytes per layer), keeps the indexer in fp8 whatever the cache, and allocates the EAGLE
  // draft worker (weights and a one-layer pool) outside --mem-fraction-static: 1.88x the tokens.
  it("GLM-5 FP8 on 8x B200, SGLang TP8 with mem-fraction-static 0.85, EAGLE 3/1/4 (seed 003): fits", () => {
    const p = plan({
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["b200-180gb"],
      engine: "sglang",
      tensor: 8,
      memoryFraction: 0.85,
      kvDtype: "fp8",
      draftTree: { numSteps: 3, eagleTopk: 1, numDraftTokens: 4 },
    });
    expect(p.verdict).toBe("fits");
    expect(p.weightBytesPerDevice / GiB).toBeCloseTo(88.69, 2);
    expect(p.kvBytesPerTokenPerDevice).toBe(78 * (656 + 132));
    // 1,070,080 tokens from the static share, plus SGLang's draft headroom of 2,691 requests x 7 + 100.
    expect(p.kvCacheTokens).toBe(1_084_601);
    expect(p.overheads.filter((o) => !o.insideFraction).map((o) => o.name)).toEqual([
      "activations",
      "CUDA graphs",
      "request-to-token table",
      "speculative headroom of the KV pool",
      "MTP draft weights",
      "MTP draft KV pool",
    ]);
  });

  it("GLM-5 FP8 on 8x H200, SGLang TP8 at 0.85 with EAGLE (seed 000's SGLang option): BF16 cache, 132-byte indexer", () => {
    const p = plan({
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["h200-141gb"],
      engine: "sglang",
      tensor: 8,
      memoryFraction: 0.85,
      draftTree: { numSteps: 3, eagleTopk: 1, numDraftTokens: 4 },
    });
    expect(p.verdict).toBe("fits");
    expect(p.kvBytesPerTokenPerDevice).toBe(78 * (1152 + 132));
    expect(p.kvCacheTokens).toBe(316_196);
  });

  it("GLM-5 W4A8 on one Atlas 800 A2, TP8, 32768 x 2 at 0.95 (seed 002): tight, 640 tokens to spare", () => {
    const p = plan({
      ...ascend,
      model: M["glm-5-w4a8"],
      accelerator: A["atlas-800-a2"],
      tensor: 8,
      maxModelLen: 32768,
      maxNumSeqs: 2,
    });
    expect(p.fits).toBe(true);
    expect(p.verdict).toBe("tight");
    expect(p.kvCacheTokens).toBe(33_408);
    expect(p.kvMarginTokens).toBe(640);
    expect(p.maxConcurrentSequencesAtMaxLen).toBe(1.01);
    expect(p.tightReasons).toEqual([
      "the KV cache holds 640 tokens (0.07 GiB) beyond one sequence of max-model-len 32,768, under 10% of it; the 57.92 GiB share at --gpu-memory-utilization 0.95 goes to weights 50.04 GiB and overhead 4.41 GiB first",
    ]);
  });

  it("GLM-5 W4A8 on one Atlas 800 A3, TP16, 66600 x 8 at 0.95 (seed 002): fits", () => {
    const p = plan({
      ...ascend,
      model: M["glm-5-w4a8"],
      accelerator: A["atlas-800-a3"],
      tensor: 16,
      maxModelLen: 66600,
      maxNumSeqs: 8,
    });
    expect(p.fits).toBe(true);
    expect(p.kvCacheTokens).toBe(260_736);
  });

  it("GLM-5 BF16 on one A3: does not fit; on two A3 as a DP2 x TP16 pair (seed 002): fits", () => {
    const single = plan({
      ...ascend,
      model: M["glm-5-bf16"],
      accelerator: A["atlas-800-a3"],
      tensor: 16,
      maxModelLen: 8192,
      maxNumSeqs: 16,
    });
    expect(single.fits).toBe(false);
    expect(single.weightBytesPerDevice / GiB).toBeCloseTo(91.62, 2);
    expect(single.suggestions).toContain(
      "more devices: 2 nodes of 16 x atlas-800-a3 as DP2 x TP16 with expert parallelism (48.87 GiB of weights per device, 44,672 KV tokens)",
    );
    const pair = plan({
      ...ascend,
      model: M["glm-5-bf16"],
      accelerator: A["atlas-800-a3"],
      nodes: 2,
      data: 2,
      tensor: 16,
      maxModelLen: 8192,
      maxNumSeqs: 16,
    });
    expect(pair.fits).toBe(true);
    expect(pair.layout.startRanks).toEqual([0, 1]);
    expect(pair.kvCacheTokens).toBe(44_672);
    // Each DP replica has its own cache: the pair holds twice one replica's sequences.
    expect(pair.replicas).toBe(2);
    expect(pair.maxConcurrentSequencesAtMaxLen).toBe(10.9);
  });

  it("GLM-5.1 FP8 on 2x H100 (seed 001): does not fit without offload, and says how much offload would", () => {
    const input = {
      ...base,
      mtpDraft: false,
      model: M["glm-5.1-fp8"],
      accelerator: A["h100-80gb"],
      engine: "vllm",
      tensor: 2,
      maxModelLen: 65536,
      memoryFraction: 0.88,
    } as const;
    const p = plan(input);
    expect(p.fits).toBe(false);
    expect(p.suggestions).toEqual([
      "CPU offload: engine.cpuOffloadGb 293 with pod.memory 618Gi or more (--cpu-offload-gb 293: 293 GiB of weights per GPU in host memory; every decode step then streams them over PCIe)",
    ]);
    const offloaded = plan({ ...input, cpuOffloadGiB: 292, hostMemoryBytes: 640 * GiB });
    expect(offloaded.fits).toBe(true);
    expect(offloaded.hostMemoryBytesPerNode).toBe(616 * GiB);
    expect(plan({ ...input, cpuOffloadGiB: 292, hostMemoryBytes: 512 * GiB }).problems).toEqual([
      "offloading 292.00 GiB per device needs 616.00 GiB of host memory per node, more than the pod's 512.00 GiB",
    ]);
  });
});

describe("seed 001's full-BF16 row", () => {
  it("GLM-5.1 BF16 on one 8x H200 node: the weights alone exceed a device; FP8 or a second node fits", () => {
    const p = plan({
      ...base,
      mtpDraft: false,
      model: M["glm-5.1-bf16"],
      accelerator: A["h200-141gb"],
      engine: "vllm",
      tensor: 8,
      maxModelLen: 65536,
      memoryFraction: 0.88,
    });
    expect(p.fits).toBe(false);
    expect(p.problems[0]).toBe(
      "the weights alone, 176.64 GiB per device, are more than all of one h200-141gb device (139.81 GiB)",
    );
    expect(p.suggestions.slice(0, 2)).toEqual([
      "more devices: 2 nodes of 8 x h200-141gb as DP2 x TP8 with expert parallelism (92.27 GiB of weights per device, 259,840 KV tokens)",
      "a smaller checkpoint: fp8-block (model.id glm-5.1-fp8; 88.69 GiB of weights per device)",
    ]);
  });
});

describe("other limits", () => {
  it("a KV cache shorter than one max-model-len sequence is refused, with the context that would fit", () => {
    const p = plan({
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["h200-141gb"],
      engine: "vllm",
      tensor: 8,
      memoryFraction: 0.8,
    });
    expect(p.fits).toBe(false);
    expect(p.problems[0]).toMatch(
      /^the KV cache holds 1\d\d,\d{3} tokens \([\d.]+ GiB at 101,436 bytes per token\), less than one sequence of max-model-len 202,752: the engine refuses to start$/,
    );
    expect(p.suggestions.slice(0, 2)).toEqual([
      "a shorter context: engine.maxModelLen 146432 (162,112 KV tokens)",
      "a higher memory fraction: engine.gpuMemoryUtilization 0.85 (--gpu-memory-utilization; 236,096 KV tokens, 20.97 GiB left free per device)",
    ]);
  });

  it("SGLang needs room outside its static share for activations, graphs, the request table and the draft", () => {
    const p = plan({
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["b200-180gb"],
      engine: "sglang",
      tensor: 8,
      memoryFraction: 0.99,
      kvDtype: "fp8",
      draftTree: { numSteps: 3, eagleTopk: 1, numDraftTokens: 4 },
    });
    expect(p.problems).toEqual([
      "--mem-fraction-static 0.99 leaves 1.78 GiB outside the engine's share, below the 13.95 GiB allocated there (activations 4.13 GiB, CUDA graphs 3.00 GiB, request-to-token table 2.87 GiB, speculative headroom of the KV pool 1.53 GiB, MTP draft weights 1.31 GiB, MTP draft KV pool 1.12 GiB)",
    ]);
    expect(p.suggestions).toEqual([
      "a lower memory fraction: engine.memFractionStatic 0.91 (--mem-fraction-static; 1,274,913 KV tokens, 3.39 GiB left free per device)",
    ]);
  });

  it("vLLM: CUDA graphs inside the KV budget or outside it, by the image's vLLM version", () => {
    const args = {
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["h200-141gb"],
      engine: "vllm",
      tensor: 8,
      memoryFraction: 0.85,
    } as const;
    const inside = plan({ ...args, graphsInBudget: true });
    const outside = plan({ ...args, graphsInBudget: false });
    expect(inside.kvCacheTokens).toBe(236_096);
    expect(outside.kvCacheTokens).toBe(257_280);
    expect(Math.abs(outside.freeBytesPerDevice - (inside.freeBytesPerDevice - 2 * GiB))).toBeLessThanOrEqual(1);
  });

  it("fp8 KV cache nearly doubles the tokens", () => {
    const args = {
      ...base,
      model: M["glm-5-fp8"],
      accelerator: A["h200-141gb"],
      engine: "vllm",
      tensor: 8,
      memoryFraction: 0.85,
    } as const;
    const bf16 = plan(args).kvCacheTokens;
    const fp8 = plan({ ...args, kvDtype: "fp8" }).kvCacheTokens;
    expect(fp8 / bf16).toBeCloseTo((1152 + 132) / (656 + 132), 1);
  });
});
