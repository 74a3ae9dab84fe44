import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACCELERATORS } from "../infra/catalog/accelerators";
import { MODELS, type ModelEntry } from "../infra/catalog/models";
import { engineDriver } from "../infra/engines";
import { SGLANG_REASONING_PARSERS, SGLANG_TOOL_CALL_PARSERS } from "../infra/engines/sglang/choices";
import { sglangDriver } from "../infra/engines/sglang";
import { VLLM_REASONING_PARSERS, VLLM_TOOL_CALL_PARSERS } from "../infra/engines/vllm/choices";
import { vllmDriver } from "../infra/engines/vllm";
import { configErrorOf, specFrom, STACKS_DIR, stackSpec } from "./helpers";

const STACKS = readdirSync(STACKS_DIR)
  .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
  .map((f) => f.slice("Pulumi.".length, -".yaml".length));

describe("an engine's config is resolved once", () => {
  it("every shipped stack's engine is already resolved: resolving it again changes nothing", () => {
    expect(STACKS.length).toBeGreaterThan(10);
    for (const name of STACKS) {
      const spec = stackSpec(name);
      const again = engineDriver(spec.engine).resolve(spec.engine, spec.model.entry, spec.accelerator);
      expect(again, name).toEqual(spec.engine);
      expect(spec.engine.image, name).toBeDefined();
    }
  });

  it("vLLM-Ascend's tensor-parallel default (every NPU of the node) is in the spec, not re-applied downstream", () => {
    const a3 = specFrom({
      model: { id: "glm-5-w4a8", allowBranch: true },
      engine: { kind: "vllm-ascend", quantization: "ascend" },
      nodePool: { accelerator: "atlas-800-a3", provisioner: "static" },
    });
    if (a3.engine.kind !== "vllm-ascend") throw new Error("not vllm-ascend");
    expect(a3.engine.tensorParallelSize).toBe(16);
    expect(engineDriver(a3.engine).devicesPerPod(a3.engine)).toBe(16);
    expect(a3.engine.image).toEqual({ repository: "quay.io/ascend/vllm-ascend", tag: "glm5-a3" });
  });
});

describe("catalog parser names are checked against each engine's choices", () => {
  it("every catalog model's parsers are among vLLM's and SGLang's, and resolution takes them as they are", () => {
    for (const model of Object.values(MODELS) as ModelEntry[]) {
      expect(VLLM_TOOL_CALL_PARSERS as readonly string[], model.id).toContain(model.toolCallParser);
      expect(VLLM_REASONING_PARSERS as readonly string[], model.id).toContain(model.reasoningParser);
      expect(SGLANG_TOOL_CALL_PARSERS as readonly string[], model.id).toContain(model.toolCallParser);
      expect(SGLANG_REASONING_PARSERS as readonly string[], model.id).toContain(model.reasoningParser);
    }
    const spec = specFrom({});
    if (spec.engine.kind !== "vllm") throw new Error("not vllm");
    expect([spec.engine.toolCallParser, spec.engine.reasoningParser]).toEqual(["glm47", "glm45"]);
  });

  it("refuses a model whose catalog parser the engine does not know, naming it, with a concrete fix", () => {
    const acc = ACCELERATORS["h200-141gb"];
    const model: ModelEntry = { ...MODELS["glm-5-fp8"], toolCallParser: "glm47x", reasoningParser: "glm45" };
    const vllm = specFrom({}).engine;
    if (vllm.kind !== "vllm") throw new Error("not vllm");
    const unset = { ...vllm, toolCallParser: undefined, reasoningParser: undefined };
    expect(vllmDriver.rules(unset, model, acc)).toEqual([
      {
        path: "engine.toolCallParser",
        value: "glm47x",
        allowed: `one of vLLM's parsers (model.id glm-5-fp8 names glm47x, which vLLM does not know): ${VLLM_TOOL_CALL_PARSERS.join(", ")}`,
        fix: "pulumi config set --path engine.toolCallParser glm47",
      },
    ]);
    // Resolution never passes an unknown name on, and a stack that sets the parser itself is not refused.
    expect(vllmDriver.resolve(unset, model, acc).toolCallParser).toBeUndefined();
    expect(vllmDriver.rules({ ...unset, toolCallParser: "glm47" }, model, acc)).toEqual([]);
    const sglang = specFrom({ engine: { kind: "sglang" } }).engine;
    if (sglang.kind !== "sglang") throw new Error("not sglang");
    const problems = sglangDriver.rules({ ...sglang, toolCallParser: undefined }, model, acc);
    expect(problems.map((p) => [p.path, p.value, p.fix])).toEqual([
      ["engine.toolCallParser", "glm47x", "pulumi config set --path engine.toolCallParser glm47"],
    ]);
  });

  it("a stack file's bad engine setting is still reported by the schema, in one message", () => {
    expect(configErrorOf(() => specFrom({ engine: { toolCallParser: "glm47x" } }))).toContain(
      "glm-serving:engine.toolCallParser",
    );
  });
});
