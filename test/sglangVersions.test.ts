import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SGLANG_IMAGE_VERSIONS } from "../infra/engines/sglang/versions";
import { VLLM_IMAGE_VERSIONS } from "../infra/engines/vllm/versions";
import { imageString } from "../infra/core/schemaFields";
import type { SglangEngineConfig } from "../infra/engines/sglang/schema";
import type { ServingSpec } from "../infra/config/spec";
import { defaultSglangImage, sglangArgs } from "../infra/engines/sglang";
import { configErrorOf, engineSpecFrom, STACKS_DIR, stackSpec } from "./helpers";

type SglangSpec = ServingSpec & { engine: SglangEngineConfig };

const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

describe("the engine version of every image a stack runs is in the catalog", () => {
  it("every SGLang and vLLM stack runs an image whose engine release line is known", () => {
    const seen: Record<string, string> = {};
    for (const name of STACKS) {
      const s = stackSpec(name);
      if (s.engine.kind === "sglang") {
        const image = imageString(s.engine.image ?? defaultSglangImage(s.accelerator.id));
        expect(SGLANG_IMAGE_VERSIONS[image], `${name}: ${image}`).toBeDefined();
        seen[name] = `${image} = SGLang ${SGLANG_IMAGE_VERSIONS[image]}`;
      }
    }
    expect(seen).toEqual({
      "b200-sglang": "lmsysorg/sglang:glm5-blackwell = SGLang 0.5.8",
      "b200-sglang-tuned": "lmsysorg/sglang:glm5-blackwell = SGLang 0.5.8",
      "h200-glm51-sglang": "lmsysorg/sglang:glm5-hopper = SGLang 0.5.8",
      "h200-glm51-sglang-tuned": "lmsysorg/sglang:glm5-hopper = SGLang 0.5.8",
      "h200-sglang": "lmsysorg/sglang:glm5-hopper = SGLang 0.5.8",
    });
    expect(VLLM_IMAGE_VERSIONS["vllm/vllm-openai:glm51"]).toBe("0.19.0");
  });
});

describe("SGLang's flags take only the choices of its parser on the images' line", () => {
  it("a value SGLang's parser would refuse at start is refused before anything is deployed, with its choices", () => {
    const message = configErrorOf(() =>
      engineSpecFrom("sglang", {
        engine: {
          kind: "sglang",
          kvCacheDtype: "fp8",
          nsaDecodeBackend: "trtllm_mla",
          moeRunnerBackend: "trtllm",
          attentionBackend: "dsa",
        },
      }),
    );
    expect(message).toContain(
      'glm-serving:engine.kvCacheDtype = "fp8"\n      allowed: one of auto, bf16, bfloat16, fp8_e4m3, fp8_e5m2',
    );
    expect(message).toContain(
      'glm-serving:engine.nsaDecodeBackend = "trtllm_mla"\n      allowed: one of flashmla_sparse, flashmla_kv, flashmla_auto, fa3, tilelang, aiter, trtllm',
    );
    expect(message).toContain(
      'glm-serving:engine.moeRunnerBackend = "trtllm"\n      allowed: one of auto, deep_gemm, triton, triton_kernel, flashinfer_trtllm, flashinfer_cutlass, flashinfer_mxfp4, cutlass',
    );
    // `dsa` is what later releases call the NSA backend; the 0.5.8 line knows only `nsa`.
    expect(message).toContain('glm-serving:engine.attentionBackend = "dsa"');
  });

  it("--stream-interval and --model-loader-extra-config are typed flags (InferenceX's B200 script passes both)", () => {
    const s = engineSpecFrom("sglang", {
      engine: { kind: "sglang", streamInterval: 30, modelLoaderExtraConfig: { enable_multithread_load: true } },
    }) as SglangSpec;
    const argv = sglangArgs(s);
    expect(argv.slice(argv.indexOf("--stream-interval"), argv.indexOf("--stream-interval") + 4)).toEqual([
      "--stream-interval",
      "30",
      "--model-loader-extra-config",
      '{"enable_multithread_load":true}',
    ]);
    expect(
      configErrorOf(() =>
        engineSpecFrom("sglang", { engine: { kind: "sglang", extraArgs: ["--stream-interval", "30"] } }),
      ),
    ).toContain("fix:     remove it from engine.extraArgs and set engine.streamInterval");
    expect(configErrorOf(() => engineSpecFrom("sglang", { engine: { kind: "sglang", streamInterval: 0 } }))).toContain(
      "glm-serving:engine.streamInterval = 0",
    );
  });
});
