import { describe, expect, it } from "vitest";
import { versionAtLeast, vllmGraphsInBudget } from "../infra/engines/vllm/versions";
import { planStack } from "../infra/planner/fromSpec";
import { specFrom } from "./helpers";

describe("vLLM's CUDA-graph term follows the image's vLLM version", () => {
  it("compares release numbers", () => {
    expect(versionAtLeast("0.16.0", "0.21.0")).toBe(false);
    expect(versionAtLeast("0.21.0", "0.21.0")).toBe(true);
    expect(versionAtLeast("0.21", "0.21.0")).toBe(true);
    expect(versionAtLeast("1.0.0", "0.21.0")).toBe(true);
  });

  it("known images, an unknown one, and an explicit environment variable", () => {
    expect(vllmGraphsInBudget("vllm/vllm-openai:glm5", {})).toEqual({
      inside: false,
      because: "vllm/vllm-openai:glm5 runs vLLM 0.16.0, before 0.21.0",
    });
    expect(vllmGraphsInBudget("registry.example/vllm:custom", {})).toEqual({
      inside: true,
      because: "the vLLM version of registry.example/vllm:custom is unknown; the smaller KV cache is assumed",
    });
    expect(vllmGraphsInBudget("vllm/vllm-openai:glm5", { VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS: "1" })).toEqual({
      inside: true,
      because: "VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=1 in engine.env",
    });
  });

  it("the plan of a stack: 2 GiB more KV cache per device on the 0.16 image than with graphs profiled", () => {
    // h200-fp8's engine settings.
    const engine = { gpuMemoryUtilization: 0.85, speculative: { method: "mtp", numSpeculativeTokens: 1 } };
    const old = planStack(specFrom({ engine }));
    const profiled = planStack(
      specFrom({ engine: { ...engine, env: { VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS: "1" } } }),
    );
    expect(old.kvCacheTokens).toBe(257_280);
    expect(profiled.kvCacheTokens).toBe(236_096);
    expect(old.graphsReason).toBe(
      "CUDA graphs outside the KV budget: vllm/vllm-openai:glm5 runs vLLM 0.16.0, before 0.21.0",
    );
  });
});
