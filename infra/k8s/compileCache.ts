import { createHash } from "node:crypto";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import type { ServingSpec } from "../config/spec";
import { engineDriver } from "../engines";
import { names } from "./labels";

/**
 * The engines' compile and JIT caches, persisted on the weight cache's volume so that a restart or a
 * second replica loads what the first start compiled instead of compiling it again (torch.compile,
 * Inductor and Triton kernels, FlashInfer's and DeepGEMM's JIT kernels; CUDA-graph capture itself is
 * not cached by any engine and is redone each start).
 *
 * The directory is keyed by everything the artifacts depend on: the image (its compiler and kernel
 * versions), the model and its revision, the quantisation and every engine setting (the parallel
 * layout, batch and graph sizes) and the accelerator. Another key is another directory, so nothing
 * compiled for one configuration is ever loaded by another. The weights stay read-only: the engine
 * writes only below `.glm-serving/compile/<key>` of the volume (a second mount of the same claim, with
 * a subPath; a hostPath directory in node-local mode).
 *
 * Variables, as their readers name them: VLLM_CACHE_ROOT (vllm/envs.py; holds torch_compile_cache),
 * TORCHINDUCTOR_CACHE_DIR (torch/_inductor), TRITON_CACHE_DIR (triton), FLASHINFER_WORKSPACE_BASE
 * (flashinfer/jit/env.py; FlashInfer appends .cache/flashinfer), DG_JIT_CACHE_DIR (DeepGEMM's JIT),
 * SGLANG_DG_CACHE_DIR (sglang/srt/environ.py: SGLang's own DeepGEMM cache directory).
 */
export const COMPILE_CACHE_VOLUME = "compile-cache";
export const COMPILE_CACHE_PATH = "/var/cache/glm-serving-compile";

export function compileCacheKey(spec: ServingSpec, image: string): string {
  const inputs = {
    image,
    model: spec.model.entry.id,
    revision: spec.model.revision,
    quantization: spec.model.entry.quantization,
    accelerator: spec.accelerator.id,
    nodes: spec.nodePool.nodes,
    engine: spec.engine,
  };
  const digest = createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16);
  return `${spec.accelerator.id}-${spec.engine.kind}-${digest}`;
}

/** Where each engine's compilers keep their caches; the engine's own env settings win. */
export function compileCacheEnv(spec: ServingSpec): IEnvVar[] {
  const p = COMPILE_CACHE_PATH;
  const own = new Set(Object.keys(spec.engine.env));
  return engineDriver(spec.engine)
    .compileCacheEnv(p)
    .filter((e) => !own.has(e.name))
    .map((e) => ({ name: e.name, value: e.value }));
}

/** The cache volume again, writable, for the compile caches only (mounted with a subPath). */
export function compileCacheVolume(spec: ServingSpec, image: string): IVolume {
  if (spec.weightCache.mode === "node-local") {
    return {
      name: COMPILE_CACHE_VOLUME,
      hostPath: {
        path: `${spec.weightCache.hostPath}/.glm-serving/compile/${compileCacheKey(spec, image)}`,
        type: "DirectoryOrCreate",
      },
    };
  }
  return { name: COMPILE_CACHE_VOLUME, persistentVolumeClaim: { claimName: names(spec).cacheClaim } };
}

export function compileCacheMount(spec: ServingSpec, image: string): IVolumeMount {
  return {
    name: COMPILE_CACHE_VOLUME,
    mountPath: COMPILE_CACHE_PATH,
    ...(spec.weightCache.mode === "node-local"
      ? {}
      : { subPath: `.glm-serving/compile/${compileCacheKey(spec, image)}` }),
  };
}
