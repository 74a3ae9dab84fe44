import { join } from "node:path";
import type { EngineConfig } from "./schema";
import type { EngineSpec } from "./driver";
import { driverOfKind } from ".";

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

/** Whether images/ has a Dockerfile for the engine (its driver's `imageBuild`). */
export function buildsImage(kind: EngineConfig["kind"]): boolean {
  return driverOfKind(kind).imageBuild !== undefined;
}

/** The engine image's repository when the stack builds it. */
export function builtImageRepository(registry: string, kind: EngineConfig["kind"]): string {
  return `${registry}/glm-serving-${kind}`;
}

export function imageBuild(spec: EngineSpec): ImageBuild | undefined {
  const i = spec.images;
  const kind = spec.engine.kind;
  const build = driverOfKind(kind).imageBuild;
  if (!i.build || !build || !i.registry || !i.tag || !i.baseImage || !i.transformersCommit) return undefined;
  return {
    context: join(IMAGES_DIR, build.context),
    imageName: `${builtImageRepository(i.registry, kind)}:${i.tag}`,
    platform: build.platform,
    args: { BASE_IMAGE: i.baseImage, TRANSFORMERS_COMMIT: i.transformersCommit },
  };
}
