import { MODELS, type ModelEntry } from "../../catalog/models";
import { setCommand, type ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** Model and revision: a pinned commit, trusted code only from one, and a streamed copy of that commit. */

/** The bucket URI the engine streams its weights from (engine.streamFrom, where its engine has one). */
export function streamsFrom(engine: StackConfig["engine"]): string | undefined {
  return "streamFrom" in engine && typeof engine.streamFrom === "string" ? engine.streamFrom : undefined;
}

/** A commit is a pin: 40 hex digits (Git's SHA-1), as the Hugging Face Hub names revisions. */
export const COMMIT = /^[0-9a-f]{40}$/;

export function revisionRules(cfg: StackConfig): ConfigProblem[] {
  const entry: ModelEntry = MODELS[cfg.model.id];
  const revision = cfg.model.revision ?? entry.revision;
  // The catalog's own branch stands where it knows no commit (community GGUF repositories, like the
  // ModelScope defaults); a branch a stack picks itself must be a commit.
  if (revision !== null && entry.hub === "huggingface" && !COMMIT.test(revision) && revision !== entry.revision) {
    return [
      {
        path: "model.revision",
        value: revision,
        allowed: "a full 40-hex-digit commit of the model repository (branches and tags move)",
        fix: `set model.revision to the commit the branch points at now (git ls-remote https://huggingface.co/${entry.repo} ${revision})`,
      },
    ];
  }
  if (revision !== null) return [];
  return [
    {
      path: "model.revision",
      value: undefined,
      allowed: `a 40-hex-digit commit of ${entry.repo}; the catalog pins none for ${entry.id}`,
      fix: `set model.revision to the commit you have tested (git ls-remote https://huggingface.co/${entry.repo} main)`,
    },
  ];
}

/**
 * A branch with --trust-remote-code: the checkpoint's Python code runs inside the engine, and a branch
 * can change it between two downloads. The download resolves a branch to a commit and records it
 * (the engine serves only that commit), but running code nobody reviewed takes an explicit opt-in.
 */
export function branchRules(cfg: StackConfig): ConfigProblem[] {
  const entry: ModelEntry = MODELS[cfg.model.id];
  const revision = cfg.model.revision ?? entry.revision;
  // llama.cpp runs no code of the checkpoint (a GGUF file is data): only the other engines can.
  const trustRemoteCode = "trustRemoteCode" in cfg.engine && cfg.engine.trustRemoteCode;
  if (revision === null || COMMIT.test(revision) || !trustRemoteCode || cfg.model.allowBranch) return [];
  return [
    {
      path: "model.revision",
      value: revision,
      allowed: `a 40-hex-digit commit of ${entry.repo} while engine.trustRemoteCode is on (the checkpoint's own code runs in the engine, and a branch can change it); a branch or tag only with model.allowBranch true`,
      fix: `set model.revision to a commit of ${entry.repo} you have reviewed, or ${setCommand("model.allowBranch", "true")} to serve the commit the branch points at when the download runs`,
    },
  ];
}

/**
 * A streamed checkpoint must be the pinned commit's copy: its URI ends with that commit, the same way
 * the cache names the snapshot, so a bucket of another revision is never served under this one's name.
 */
export function streamRules(cfg: StackConfig): ConfigProblem[] {
  const streamFrom = streamsFrom(cfg.engine);
  if (!streamFrom) return [];
  if (!streamFrom.startsWith("s3://")) {
    return [
      {
        path: "engine.streamFrom",
        value: streamFrom,
        allowed:
          "an s3:// URI: the download step copies the verified revision there and checks the copy before the engine streams from it (it makes no gs:// copy)",
        fix: `set engine.streamFrom to s3://<bucket>/<path>/${cfg.model.revision ?? MODELS[cfg.model.id].revision ?? "<commit>"}/`,
      },
    ];
  }
  const entry: ModelEntry = MODELS[cfg.model.id];
  const revision = cfg.model.revision ?? entry.revision;
  const last = streamFrom.replace(/\/+$/, "").split("/").pop();
  if (revision !== null && COMMIT.test(revision) && last === revision) return [];
  return [
    {
      path: "engine.streamFrom",
      value: streamFrom,
      allowed: `a URI whose last path segment is the pinned commit of ${entry.repo} (${revision ?? "model.revision"}): the copy of that commit's verified snapshot`,
      fix: `set engine.streamFrom to a URI ending in /${revision ?? "<commit>"}/ (the download step copies that commit's verified snapshot there)`,
    },
  ];
}
