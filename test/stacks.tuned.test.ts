import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import type { ServingSpec } from "../infra/config/spec";
import { engineDriver } from "../infra/engines";
import { sglangArgs } from "../infra/engines/sglang";
import { vllmArgs, type VllmSpec } from "../infra/engines/vllm";
import { planStack } from "../infra/planner/fromSpec";
import { readStackFile } from "../infra/render/stackFile";
import type { SglangEngineConfig } from "../infra/engines/sglang/schema";
import { flagMap, REPO_ROOT, STACKS_DIR } from "./helpers";

/**
 * The tuned stacks: each is its seed-faithful sibling plus exactly the flags of the published fast
 * configuration (the stack files cite the sources), every flag a typed one of the engine's driver.
 */
function spec(name: string): ServingSpec {
  const f = readStackFile(STACKS_DIR, name);
  return loadSpec({ stack: name, values: f.values, secretKeys: new Set(f.secretKeys) });
}

/** Flags of `b` that `a` lacks or sets differently, as a flag map. */
function added(a: readonly string[], b: readonly string[]): Record<string, unknown> {
  const fa = flagMap(a);
  const fb = flagMap(b);
  return Object.fromEntries(Object.entries(fb).filter(([k, v]) => JSON.stringify(fa[k]) !== JSON.stringify(v)));
}

const TUNED = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+-tuned)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

describe("tuned stacks", () => {
  it("there is one for B200 SGLang, both H200 vLLM stacks and the GLM-5.1 H200 SGLang stack", () => {
    expect(TUNED.sort()).toEqual([
      "b200-sglang-tuned",
      "h200-fp8-tuned",
      "h200-glm51-sglang-tuned",
      "h200-glm51-tuned",
    ]);
  });

  it("b200-sglang-tuned: seed 003's flags plus InferenceX's B200 MTP script and the cookbook's B200 FP8 flags", () => {
    // b200-sglang's flags but its one stated deviation from seed 003 (--enable-metrics, for monitoring).
    const seed = sglangArgs(spec("b200-sglang") as ServingSpec & { engine: SglangEngineConfig }).filter(
      (a) => a !== "--enable-metrics",
    );
    const tuned = sglangArgs(spec("b200-sglang-tuned") as ServingSpec & { engine: SglangEngineConfig });
    expect(added(seed, tuned)).toEqual({
      "--kv-cache-dtype": "fp8_e4m3",
      "--max-running-requests": "128",
      "--cuda-graph-max-bs": "128",
      "--chunked-prefill-size": "32768",
      "--max-prefill-tokens": "32768",
      "--attention-backend": "nsa",
      "--nsa-prefill-backend": "trtllm",
      "--nsa-decode-backend": "trtllm",
      "--moe-runner-backend": "flashinfer_trtllm",
      "--quantization": "fp8",
      "--ep-size": "1",
      "--enable-flashinfer-allreduce-fusion": "",
      "--model-loader-extra-config": { enable_multithread_load: true },
      "--trust-remote-code": "",
    });
    // InferenceX's MTP script turns on speculative decoding v2 and JIT DeepGEMM by environment.
    expect(spec("b200-sglang-tuned").engine.env).toEqual({ SGLANG_ENABLE_SPEC_V2: "1", SGL_ENABLE_JIT_DEEPGEMM: "1" });
    // Nothing of the seed's is dropped or changed.
    expect(added(tuned, seed)).toEqual({});
  });

  it("h200-glm51-sglang-tuned: the cookbook's GLM-5.1 H200 command, speculative decoding v2 at 0.85 over the full context", () => {
    const seedSpec = spec("h200-glm51-sglang") as ServingSpec & { engine: SglangEngineConfig };
    const tunedSpec = spec("h200-glm51-sglang-tuned") as ServingSpec & { engine: SglangEngineConfig };
    const seed = sglangArgs(seedSpec);
    const tuned = sglangArgs(tunedSpec);
    expect(added(seed, tuned)).toEqual({ "--mem-fraction-static": "0.85" });
    // Seed 001's 65,536-token context is dropped: the cookbook serves the model's own 202,752.
    expect(added(tuned, seed)).toEqual({ "--mem-fraction-static": "0.88", "--context-length": "65536" });
    expect(seedSpec.engine.env).toEqual({});
    expect(tunedSpec.engine.env).toEqual({ SGLANG_ENABLE_SPEC_V2: "1" });
    expect(tunedSpec.engine.image).toEqual({ repository: "lmsysorg/sglang", tag: "glm5-hopper" });
  });

  it("h200-fp8-tuned: the recipe's MTP 3 and content format on its newer image, vLLM's default share", () => {
    const seedSpec = spec("h200-fp8") as VllmSpec;
    const tunedSpec = spec("h200-fp8-tuned") as VllmSpec;
    const seed = vllmArgs(seedSpec);
    const tuned = vllmArgs(tunedSpec);
    expect(added(seed, tuned)).toEqual({
      "--speculative-config.num_speculative_tokens": "3",
      "--chat-template-content-format": "string",
    });
    expect(added(tuned, seed)).toEqual({
      "--gpu-memory-utilization": "0.85",
      "--speculative-config.num_speculative_tokens": "1",
    });
    expect(tunedSpec.engine.image).toEqual({ repository: "vllm/vllm-openai", tag: "glm51" });
  });

  it("h200-fp8-scale and h200-docker take h200-fp8-tuned's engine block unchanged: it validates, fits and adds the same flags", () => {
    const tunedEngine = JSON.parse(readStackFile(STACKS_DIR, "h200-fp8-tuned").values["glm-serving:engine"]!);
    const seedAdds = added(vllmArgs(spec("h200-fp8") as VllmSpec), vllmArgs(spec("h200-fp8-tuned") as VllmSpec));
    for (const name of ["h200-fp8-scale", "h200-docker"]) {
      const f = readStackFile(STACKS_DIR, name);
      const own = JSON.parse(f.values["glm-serving:engine"] ?? "{}");
      const values = { ...f.values, "glm-serving:engine": JSON.stringify({ ...own, ...tunedEngine }) };
      const tuned = loadSpec({ stack: name, values, secretKeys: new Set(f.secretKeys) });
      expect(planStack(tuned).verdict, name).toBe("fits");
      // Seed 000's Docker quick start runs no MTP at all: the tuned block turns it on as well.
      const extra = name === "h200-docker" ? { "--speculative-config.method": "mtp" } : {};
      expect(added(vllmArgs(spec(name) as VllmSpec), vllmArgs(tuned as VllmSpec)), name).toEqual({
        ...seedAdds,
        ...extra,
      });
    }
  });

  it("every flag of a tuned stack is a typed flag of its engine (none through extraArgs)", () => {
    for (const name of TUNED) {
      const s = spec(name);
      const driver = engineDriver(s.engine);
      expect(s.engine.extraArgs, name).toEqual([]);
      const argv = s.engine.kind === "sglang" ? sglangArgs(s as never) : vllmArgs(s as VllmSpec);
      for (const flag of argv.filter((a) => a.startsWith("--"))) {
        const name_ = flag.slice(2).split("=")[0]!.split(".")[0]!;
        expect(Object.keys(driver.typedFlags), `${name}: ${flag}`).toContain(name_);
      }
    }
  });

  it("every tuned stack passes the planner with margin", () => {
    for (const name of TUNED) expect(planStack(spec(name)).verdict, name).toBe("fits");
  });

  it("the README's stacks table lists every stack with the figure it is expected to reach", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("## Stacks"), readme.indexOf("## What a stack deploys"));
    const stacks = readdirSync(STACKS_DIR)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    for (const s of stacks) {
      const row = table.split("\n").find((l) => l.startsWith(`| \`${s}\``));
      expect(row, s).toBeDefined();
      const cells = row!.split("|").map((c) => c.trim());
      // stack | hardware | engine | model | reproduces | expected figure
      expect(cells[6], s).not.toBe("");
    }
  });
});
