/**
 * The SGLang release line each known image tag runs, next to vLLM's (`infra/engines/vllm/versions.ts`):
 * the flag choices of `infra/engines/sglang/choices.ts` and the tuned stacks' flags are those of this line.
 *
 * - `lmsysorg/sglang:glm5-hopper` and `lmsysorg/sglang:glm5-blackwell`: the GLM-5 launch builds named by
 *   zai-org/GLM-5's README (one per GPU generation). They are custom tags, not release tags (InferenceX
 *   lists `glm5-hopper` as a "specialized build tag", SemiAnalysisAI/InferenceX
 *   `.github/configs/CONFIGS.md`), so no release number is published for them; the SGLang cookbook's
 *   GLM-5 page, whose B200 and H200 flags the tuned stacks use, is generated for the 0.5.8 line
 *   (sgl-project/sgl-cookbook `data/models/src/v0.5.8/glm5.yaml` at 7b5bd9c) and its H200 benchmark ran
 *   SGLang commit 947927bdb. The cookbook's GLM-5.1 page is generated for 0.5.10
 *   (`data/models/src/v0.5.10/glm51.yaml`); its H200 command uses only flags the 0.5.8 page already
 *   uses, plus `SGLANG_ENABLE_SPEC_V2=1`, which the InferenceX B200 script sets on this line too.
 * An image not listed here (a mirror, a newer release) has no known version: its flags are checked
 * against the same choices, and the README says which line they come from.
 */
export const SGLANG_IMAGE_VERSIONS: Readonly<Record<string, string>> = {
  "lmsysorg/sglang:glm5-hopper": "0.5.8",
  "lmsysorg/sglang:glm5-blackwell": "0.5.8",
};
