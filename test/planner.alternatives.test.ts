import { readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACCELERATORS } from "../infra/catalog/accelerators";
import { decodeConfig, loadSpec } from "../infra/config/load";
import { ConfigError } from "../infra/core/problems";
import type { ServingSpec } from "../infra/config/spec";
import type { CapacityPlan } from "../infra/planner/capacity";
import { planStack } from "../infra/planner/fromSpec";
import { readStackFile } from "../infra/render/stackFile";
import { STACKS_DIR } from "./helpers";

/**
 * Every alternative the planner offers is itself a valid stack that fits: its settings, applied to the
 * stack's config, pass the validator, and the planner then gives the verdict the alternative
 * promised (for a tight stack: fits with margin). Checked over every shipped stack and a grid of
 * layouts, fractions, contexts, sequence limits and accelerators.
 */
const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

type Config = Record<string, Record<string, unknown> | unknown>;

function stackConfig(stack: string): Config {
  return decodeConfig(readStackFile(STACKS_DIR, stack).values) as Config;
}

/** Sets `a.b.c` in a decoded config (copying what it changes). */
function withSetting(cfg: Config, path: string, value: unknown): Config {
  const [top, ...rest] = path.split(".");
  const set = (obj: unknown, keys: string[]): unknown => {
    const o = typeof obj === "object" && obj !== null ? { ...(obj as Record<string, unknown>) } : {};
    const [k, ...more] = keys;
    o[k!] = more.length === 0 ? value : set(o[k!], more);
    return o;
  };
  return rest.length === 0 ? { ...cfg, [top!]: value } : { ...cfg, [top!]: set(cfg[top!], rest) };
}

function load(stack: string, cfg: Config): ServingSpec {
  const values = Object.fromEntries(
    Object.entries(cfg).map(([k, v]) => [`glm-serving:${k}`, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  return loadSpec({ stack, values, secretKeys: new Set() });
}

function tryLoad(stack: string, cfg: Config): ServingSpec | undefined {
  try {
    return load(stack, cfg);
  } catch (e) {
    if (ConfigError.isInstance(e)) return undefined;
    throw e;
  }
}

/** Applies each alternative to the config and checks the result validates and fits as promised. */
function checkAlternatives(stack: string, cfg: Config, plan: CapacityPlan): void {
  for (const alt of plan.alternatives) {
    let next = cfg;
    for (const [path, value] of Object.entries(alt.settings)) next = withSetting(next, path, value);
    let spec: ServingSpec;
    try {
      spec = load(stack, next);
    } catch (e) {
      throw new Error(`${stack}: alternative "${alt.text}" does not validate:\n${(e as Error).message}`);
    }
    const after = planStack(spec);
    expect(after.verdict, `${stack}: "${alt.text}"`).toBe(alt.verdict);
    expect(after.fits, `${stack}: "${alt.text}"`).toBe(true);
    if (plan.verdict === "tight") expect(after.verdict, `${stack}: "${alt.text}"`).toBe("fits");
  }
}

const ENGINE_PATHS = {
  vllm: { fraction: "gpuMemoryUtilization", context: "maxModelLen", sequences: "maxNumSeqs" },
  "vllm-ascend": { fraction: "gpuMemoryUtilization", context: "maxModelLen", sequences: "maxNumSeqs" },
  sglang: { fraction: "memFractionStatic", context: "contextLength", sequences: "maxRunningRequests" },
  // llama.cpp has no fraction or tensor parallelism: the grid's settings make its stack invalid (the
  // validator's business); its alternatives are checked in the shipped-stack case and in
  // test/engines.llamaCpp.test.ts.
  "llama-cpp": { fraction: "memoryFraction", context: "ctxSize", sequences: "parallel" },
} as const;

describe("every alternative the planner suggests validates and fits", () => {
  it("for every shipped stack as it is", () => {
    for (const stack of STACKS) {
      const cfg = stackConfig(stack);
      checkAlternatives(stack, cfg, planStack(load(stack, cfg)));
    }
  });

  it("over a grid of layouts, fractions, contexts, sequence limits and accelerators (property)", () => {
    let checked = 0;
    let offered = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...STACKS),
        fc.constantFrom(1, 2, 4, 8, 16),
        fc.constantFrom(undefined, 0.5, 0.6, 0.7, 0.75, 0.8, 0.83, 0.85, 0.88, 0.9, 0.93, 0.95, 0.97),
        fc.constantFrom(undefined, 8192, 32768, 65536, 131072, 202752),
        fc.constantFrom(undefined, 2, 64, 256, 1024),
        fc.constantFrom(undefined, ...Object.keys(ACCELERATORS)),
        (stack, tp, fraction, context, sequences, accelerator) => {
          const base = stackConfig(stack);
          const engine = (base["engine"] ?? {}) as { kind?: keyof typeof ENGINE_PATHS };
          const paths = ENGINE_PATHS[engine.kind ?? "vllm"];
          let cfg = withSetting(base, "engine.tensorParallelSize", tp);
          if (fraction !== undefined) cfg = withSetting(cfg, `engine.${paths.fraction}`, fraction);
          if (context !== undefined) cfg = withSetting(cfg, `engine.${paths.context}`, context);
          if (sequences !== undefined) cfg = withSetting(cfg, `engine.${paths.sequences}`, sequences);
          if (accelerator !== undefined) cfg = withSetting(cfg, "nodePool.accelerator", accelerator);
          const spec = tryLoad(stack, cfg);
          if (!spec) return; // an invalid stack is the validator's business
          const plan = planStack(spec);
          checked++;
          offered += plan.alternatives.length;
          checkAlternatives(stack, cfg, plan);
        },
      ),
      { numRuns: 600, seed: 15 },
    );
    // The grid must exercise the suggestions, not only valid fitting stacks.
    expect(checked).toBeGreaterThan(100);
    expect(offered).toBeGreaterThan(100);
  });
});

describe("the obvious fixes are among the alternatives", () => {
  const kinds = (stack: string, changes: Record<string, unknown>) => {
    let cfg = stackConfig(stack);
    for (const [p, v] of Object.entries(changes)) cfg = withSetting(cfg, p, v);
    const plan = planStack(load(stack, cfg));
    return { plan, alts: plan.alternatives };
  };

  it("TP4 of GLM-5 FP8 on H200: use all 8 GPUs (vLLM and SGLang), not a multi-node group", () => {
    const vllm = kinds("h200-fp8", { "engine.tensorParallelSize": 4 });
    expect(vllm.plan.verdict).toBe("does-not-fit");
    expect(vllm.alts.find((a) => a.kind === "tensor")?.settings).toEqual({ "engine.tensorParallelSize": 8 });
    const sglang = kinds("h200-sglang", { "engine.tensorParallelSize": 4 });
    expect(sglang.alts.find((a) => a.kind === "tensor")?.text).toBe(
      "more tensor parallelism: engine.tensorParallelSize 8 (88.69 GiB of weights per device, 316,196 KV tokens)",
    );
    expect(sglang.alts.map((a) => a.kind)).not.toContain("nodes");
  });

  it("a KV shortfall with memory free: a higher memory fraction", () => {
    const { plan, alts } = kinds("h200-fp8", { "engine.gpuMemoryUtilization": 0.8 });
    expect(plan.verdict).toBe("does-not-fit");
    expect(alts.find((a) => a.kind === "fraction")?.settings).toEqual({ "engine.gpuMemoryUtilization": 0.83 });
  });

  it("a tight KV cache (seed 002's A2 command): a shorter context that fits with margin", () => {
    const { plan, alts } = kinds("a2-w4a8", {});
    expect(plan.verdict).toBe("tight");
    expect(alts[0]).toEqual({
      kind: "context",
      text: "a shorter context: engine.maxModelLen 29696 (33,408 KV tokens)",
      settings: { "engine.maxModelLen": 29696 },
      verdict: "fits",
    });
  });

  it("SGLang with too little outside its static share: a lower fraction, or fewer requests", () => {
    const { plan, alts } = kinds("b200-sglang", { "engine.memFractionStatic": 0.93 });
    expect(plan.verdict).not.toBe("fits");
    expect(alts.map((a) => a.kind)).toEqual(expect.arrayContaining(["fraction", "sequences"]));
  });
});
