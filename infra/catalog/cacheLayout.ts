import type { ModelEntry, ModelHub } from "./models";

/**
 * Where a checkpoint sits in the weight cache, by its hub: what the download writes (the Kubernetes
 * and Docker targets mount it at `mountPath`) and what an engine is given as its model argument.
 * Below the engines, which read it, and the targets, which mount it.
 */
/** A Git commit (as config/resolve.ts's COMMIT; not imported: config sits above the engines that read this). */
const COMMIT = /^[0-9a-f]{40}$/;
/** HF_HOME: where Hugging Face repositories are cached (seed 000 mounts ~/.cache/huggingface here). */
export const HF_HOME = "/root/.cache/huggingface";
const MOUNT_PATHS: Record<ModelHub, string> = {
  huggingface: HF_HOME,
  modelscope: "/root/.cache/modelscope",
  modelers: "/root/.cache/openmind",
};

export interface CacheLayout {
  /** Where the volume is mounted, in the download Job and in the engine. */
  readonly mountPath: string;
  /** The model argument the engine gets: the repository id, or the directory holding the checkpoint. */
  readonly modelArg: string;
  /** The repository's state directory: refs, one marker and status per commit, one record per stack. */
  readonly stateDir: string;
  /** Environment of the download and of the wait step (what to fetch, where, the state). */
  readonly env: { name: string; value: string }[];
}

export function cacheLayout(spec: {
  readonly model: { readonly entry: Pick<ModelEntry, "hub" | "repo">; readonly revision: string };
}): CacheLayout {
  const { hub, repo } = spec.model.entry;
  const mountPath = MOUNT_PATHS[hub];
  // A branch's directory is a link the download points at the verified commit; a commit has its own.
  const modelDir = `${mountPath}/hub/models/${repo}`;
  const checkpointDir = COMMIT.test(spec.model.revision)
    ? `${mountPath}/hub/revisions/${repo}/${spec.model.revision}`
    : modelDir;
  const stateDir = `${mountPath}/.glm-serving/${repo.replace("/", "--")}`;
  const hubEnv: { name: string; value: string }[] =
    hub === "huggingface"
      ? [{ name: "HF_HOME", value: HF_HOME }]
      : hub === "modelscope"
        ? [
            { name: "MODELSCOPE_CACHE", value: mountPath },
            { name: "MODEL_DIR", value: modelDir },
          ]
        : [
            { name: "HUB_WHITE_LIST_PATHS", value: mountPath },
            { name: "MODEL_DIR", value: modelDir },
          ];
  return {
    mountPath,
    modelArg: hub === "huggingface" ? repo : checkpointDir,
    stateDir,
    env: [
      ...hubEnv,
      { name: "MODEL_HUB", value: hub },
      { name: "MODEL_REPO", value: repo },
      { name: "MODEL_REVISION", value: spec.model.revision },
      { name: "CACHE_ROOT", value: mountPath },
      { name: "CACHE_STATE", value: stateDir },
    ],
  };
}
