/**
 * The engine version each known image tag runs, where the planner's rules depend on it.
 *
 * vLLM's KV budget changed with `VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS` (vllm-project/vllm
 * `vllm/envs.py`; `vllm/v1/worker/gpu_worker.py` `determine_available_memory`): with it on, the
 * CUDA-graph memory is estimated during the memory profile and subtracted from the KV cache; with it
 * off (the default before 0.21), graphs are captured after the KV cache is allocated and come out of
 * the share `--gpu-memory-utilization` leaves free. From 0.21 the worker logs "CUDA graph memory
 * profiling is enabled (default since v0.21.0)" (`gpu_worker.py`, stored at commit 35d5cda). An
 * explicit setting of the variable in the stack's `engine.env` wins over the version's default.
 *
 * Tags:
 * - `vllm/vllm-openai:glm5`: the GLM-5 launch image of seed 000, built for the 0.16 line (the vLLM
 *   recipe for GLM-5, vllm-project/recipes `models/zai-org/GLM-5.yaml` at 8959cf6, names
 *   `min_vllm_version: "0.16.0"`).
 * - `vllm/vllm-openai:glm51`: the GLM-5.1 image of the same recipe page (`GLM/GLM5.md`), which pins
 *   `vllm==0.19.0` for source installs.
 * Images not listed here (a mirror, a build of `images/vllm-glm5`) have no known version: the planner
 * then charges graphs inside the budget, the smaller KV cache of the two rules, and says so.
 */
export const VLLM_IMAGE_VERSIONS: Readonly<Record<string, string>> = {
  "vllm/vllm-openai:glm5": "0.16.0",
  "vllm/vllm-openai:glm51": "0.19.0",
};

/** First vLLM release whose memory profile estimates CUDA graphs by default. */
export const VLLM_GRAPHS_IN_PROFILE_SINCE = "0.21.0";

/** Compares dotted release numbers ("0.16.0" < "0.21.0"); missing parts count as 0. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const a = version.split(".").map((n) => Number.parseInt(n, 10) || 0);
  const b = minimum.split(".").map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/**
 * Whether vLLM subtracts CUDA-graph memory from the KV budget: the stack's explicit environment
 * variable, else the image version's default, else (unknown image) yes.
 */
export function vllmGraphsInBudget(
  image: string,
  env: Readonly<Record<string, string>>,
): {
  inside: boolean;
  because: string;
} {
  const explicit = env["VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS"];
  if (explicit !== undefined) {
    const on = explicit === "1" || explicit.toLowerCase() === "true";
    return { inside: on, because: `VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=${explicit} in engine.env` };
  }
  const version = VLLM_IMAGE_VERSIONS[image];
  if (version === undefined) {
    return { inside: true, because: `the vLLM version of ${image} is unknown; the smaller KV cache is assumed` };
  }
  const inside = versionAtLeast(version, VLLM_GRAPHS_IN_PROFILE_SINCE);
  return {
    inside,
    because: `${image} runs vLLM ${version}, ${inside ? "at or after" : "before"} ${VLLM_GRAPHS_IN_PROFILE_SINCE}`,
  };
}
