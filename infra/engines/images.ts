import { join } from "node:path";
import type { EngineConfig } from "./schema";
import type { ServingSpec } from "../config/spec";

/**
 * Images as code: the Dockerfiles under images/ that rebuild what the seeds build by hand (vLLM
 * with transformers from git for GLM-5; vLLM and vllm-ascend at seed 002's commits). With
 * images.build the stack builds and pushes the engine's image, and its containers run the pushed
 * digest; without it, images stay pinned by tag (and digest, when given).
 */
export const IMAGES_DIR = join(__dirname, "..", "..", "images");

export interface ImageBuild {
  readonly context: string;
  /** Tag reference the build pushes; the containers use it until the digest is known. */
  readonly imageName: string;
  readonly platform: string;
  readonly args: Record<string, string>;
}

const CONTEXTS: Partial<Record<EngineConfig["kind"], string>> = {
  vllm: "vllm-glm5",
  "vllm-ascend": "vllm-ascend-glm5",
};

/** Whether images/ has a Dockerfile for the engine (SGLang and llama.cpp run their published images). */
export function buildsImage(kind: EngineConfig["kind"]): boolean {
  return CONTEXTS[kind] !== undefined;
}

/** The engine image's repository when the stack builds it. */
export function builtImageRepository(registry: string, kind: EngineConfig["kind"]): string {
  return `${registry}/glm-serving-${kind}`;
}

export function imageBuild(spec: ServingSpec): ImageBuild | undefined {
  const i = spec.images;
  const kind = spec.engine.kind;
  const context = CONTEXTS[kind];
  if (!i.build || !context || !i.registry || !i.tag || !i.baseImage || !i.transformersCommit) return undefined;
  return {
    context: join(IMAGES_DIR, context),
    imageName: `${builtImageRepository(i.registry, kind)}:${i.tag}`,
    // Atlas 800 servers run Kunpeng (arm64) CPUs; NVIDIA HGX hosts x86-64.
    platform: kind === "vllm-ascend" ? "linux/arm64" : "linux/amd64",
    args: { BASE_IMAGE: i.baseImage, TRANSFORMERS_COMMIT: i.transformersCommit },
  };
}
