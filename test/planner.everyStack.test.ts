import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatPlan } from "../infra/planner/format";
import { planStack } from "../infra/planner/fromSpec";
import { STACKS_DIR, stackSpec } from "./helpers";

/**
 * `npm run plan` on every shipped stack: a verdict (FITS, TIGHT or DOES NOT FIT) with its margins,
 * pinned per stack, so a stack that drifts towards its limit shows up here. A tight stack lists what
 * eats its margin and what would give it more.
 */
const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

function verdictLine(name: string): string {
  const line = formatPlan(planStack(stackSpec(name)))
    .split("\n")
    .find((l) => l.startsWith("  verdict"));
  return line!.replace(/^ {2}verdict {4}/, "");
}

describe("npm run plan: a verdict with its margins for every shipped stack", () => {
  it("each stack's verdict and margins", () => {
    const llama =
      "margin 3.25 GiB free per device; KV cache exactly --ctx-size 32,768 (the engine allocates the whole context at start)";
    expect(Object.fromEntries(STACKS.map((s) => [s, verdictLine(s)]))).toEqual({
      "a2-w4a8": "TIGHT, margin 3.05 GiB free per device, 640 KV tokens (2%) beyond one max-model-len sequence",
      "a2-w4a8-pair":
        "FITS, margin 3.05 GiB free per device, 118,144 KV tokens (90%) beyond one max-model-len sequence",
      "a3-bf16-pair":
        "FITS, margin 3.05 GiB free per device, 36,480 KV tokens (445%) beyond one max-model-len sequence",
      "a3-w4a8": "FITS, margin 3.05 GiB free per device, 194,136 KV tokens (291%) beyond one max-model-len sequence",
      "b200-sglang":
        "FITS, margin 15.05 GiB free per device, 881,849 KV tokens (435%) beyond one max-model-len sequence",
      "b200-sglang-tuned":
        "FITS, margin 10.69 GiB free per device, 863,908 KV tokens (426%) beyond one max-model-len sequence",
      "glm51-llamacpp-docker": `FITS, ${llama}`,
      "h100-fp8-group":
        "FITS, margin 5.91 GiB free per device, 229,184 KV tokens (113%) beyond one max-model-len sequence",
      "h100-glm51-llamacpp": `FITS, ${llama}`,
      "h200-docker":
        "FITS, margin 11.98 GiB free per device, 146,880 KV tokens (72%) beyond one max-model-len sequence",
      "h200-fp8": "FITS, margin 18.97 GiB free per device, 54,528 KV tokens (27%) beyond one max-model-len sequence",
      "h200-fp8-scale":
        "FITS, margin 18.97 GiB free per device, 54,528 KV tokens (27%) beyond one max-model-len sequence",
      "h200-fp8-tuned":
        "FITS, margin 11.98 GiB free per device, 128,512 KV tokens (63%) beyond one max-model-len sequence",
      "h200-glm51":
        "FITS, margin 14.78 GiB free per device, 254,080 KV tokens (388%) beyond one max-model-len sequence",
      "h200-glm51-sglang":
        "FITS, margin 6.09 GiB free per device, 300,279 KV tokens (458%) beyond one max-model-len sequence",
      "h200-glm51-sglang-tuned":
        "FITS, margin 10.27 GiB free per device, 113,444 KV tokens (56%) beyond one max-model-len sequence",
      "h200-glm51-tuned":
        "FITS, margin 11.98 GiB free per device, 128,512 KV tokens (63%) beyond one max-model-len sequence",
      "h200-sglang":
        "FITS, margin 10.27 GiB free per device, 113,444 KV tokens (56%) beyond one max-model-len sequence",
      staging: "FITS, margin 9.87 GiB free per device, 94,464 KV tokens (144%) beyond one max-model-len sequence",
    });
  });

  it("the tight stack says what eats its margin and what would give it more", () => {
    const text = formatPlan(planStack(stackSpec("a2-w4a8")));
    expect(text).toContain(
      "    - the KV cache holds 640 tokens (0.07 GiB) beyond one sequence of max-model-len 32,768, under 10% of it",
    );
    expect(text).toContain("    - a shorter context: engine.maxModelLen 29696 (33,408 KV tokens)");
  });
});
