import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { imageString } from "../config/schema/common";
import type { ServingSpec } from "../config/spec";
import type { TimeBudgets } from "../planner/budgets";
import { labels, names } from "./labels";
import { secretEnv } from "./secret";

/**
 * The weight cache: one volume per stack, filled once by a download Job, mounted read-only by the
 * engine as its Hugging Face cache (HF_HOME), so no pod ever downloads 750 GB on its own.
 *
 * Completion is a marker file holding the revision, written only after `hf download` has returned;
 * the engine's init step waits for a marker of the pinned revision, so it never starts on a
 * half-written cache or on weights of another revision.
 */

/** Where the cache is mounted, in the Job and in the engine; HF_HOME points here. */
export const HF_HOME = "/root/.cache/huggingface";
export const CACHE_VOLUME = "weights";

export function markerPath(spec: ServingSpec): string {
  return `${HF_HOME}/.glm-serving/${spec.model.entry.repo.replace("/", "--")}.revision`;
}

/** Env shared by the download Job and the engine's wait step: what to fetch, and the marker. */
function cacheEnv(spec: ServingSpec): IEnvVar[] {
  return [
    { name: "HF_HOME", value: HF_HOME },
    { name: "MODEL_REPO", value: spec.model.entry.repo },
    { name: "MODEL_REVISION", value: spec.model.revision },
    { name: "CACHE_MARKER", value: markerPath(spec) },
  ];
}

/**
 * The download, in order:
 * 1. a revision change first drops the marker (engines of the old revision stop trusting the cache)
 *    and the old snapshot (through huggingface_hub's cache API, which keeps blobs still referenced),
 *    so the volume needs room for one checkpoint, not two;
 * 2. `hf download` of the pinned commit (resumable: a retried pod continues from `.incomplete` files);
 * 3. `refs/main` of the cached repository set to the pinned commit: a download by commit records no
 *    ref, and whatever resolves the repository by its default branch offline (the tokenizer, the MTP
 *    draft model of speculative decoding) must find the same commit;
 * 4. the marker, written last and atomically.
 */
export const DOWNLOAD_SCRIPT = `set -eu
if [ -f "$CACHE_MARKER" ] && [ "$(cat "$CACHE_MARKER")" != "$MODEL_REVISION" ]; then
  echo "glm-serving: revision changed from $(cat "$CACHE_MARKER") to $MODEL_REVISION: removing the old snapshot"
  rm -f "$CACHE_MARKER"
  python3 -c '
import os
from huggingface_hub import scan_cache_dir
cache = scan_cache_dir()
old = [r.commit_hash for repo in cache.repos if repo.repo_id == os.environ["MODEL_REPO"]
       for r in repo.revisions if r.commit_hash != os.environ["MODEL_REVISION"]]
if old:
    plan = cache.delete_revisions(*old)
    print("glm-serving: freeing " + plan.expected_freed_size_str, flush=True)
    plan.execute()
'
fi
echo "glm-serving: downloading $MODEL_REPO@$MODEL_REVISION into $HF_HOME"
hf download "$MODEL_REPO" --revision "$MODEL_REVISION" "$@"
repo_dir="$HF_HOME/hub/models--$(echo "$MODEL_REPO" | sed 's#/#--#g')"
mkdir -p "$repo_dir/refs"
printf '%s' "$MODEL_REVISION" > "$repo_dir/refs/main"
mkdir -p "$(dirname "$CACHE_MARKER")"
printf '%s\n' "$MODEL_REVISION" > "$CACHE_MARKER.tmp"
mv "$CACHE_MARKER.tmp" "$CACHE_MARKER"
echo "glm-serving: cache complete for $MODEL_REPO@$MODEL_REVISION"
`;

/** Waits for the marker of the pinned revision, then exits 0; gives up (exit 1) at the deadline. */
export const WAIT_FOR_CACHE_SCRIPT = `set -eu
deadline=$(( $(date +%s) + WAIT_SECONDS ))
until [ -f "$CACHE_MARKER" ] && [ "$(cat "$CACHE_MARKER")" = "$MODEL_REVISION" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "glm-serving: weight cache for $MODEL_REPO@$MODEL_REVISION not complete after $WAIT_SECONDS s (marker $CACHE_MARKER: $(cat "$CACHE_MARKER" 2>/dev/null || echo missing)); check the download Job" >&2
    exit 1
  fi
  echo "glm-serving: waiting for the weight cache: $MODEL_REPO@$MODEL_REVISION is not complete yet"
  sleep 30
done
echo "glm-serving: weight cache complete for $MODEL_REPO@$MODEL_REVISION"
`;

export function cacheClaim(spec: ServingSpec): IPersistentVolumeClaim {
  const c = spec.weightCache;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: names(spec).cacheClaim, namespace: spec.namespace, labels: labels(spec, "weight-cache") },
    spec: {
      accessModes: [c.accessMode],
      ...(c.storageClassName ? { storageClassName: c.storageClassName } : {}),
      resources: { requests: { storage: c.size } },
    },
  };
}

export function cacheVolume(spec: ServingSpec, readOnly: boolean): IVolume {
  return { name: CACHE_VOLUME, persistentVolumeClaim: { claimName: names(spec).cacheClaim, readOnly } };
}

export function downloadJob(spec: ServingSpec, budgets: TimeBudgets): IJob {
  const c = spec.weightCache;
  const include = c.allowPatterns.length > 0 ? ["--include", ...c.allowPatterns] : [];
  const env: IEnvVar[] = [
    ...cacheEnv(spec),
    // Xet-backed repositories download with more parallelism (huggingface_hub >= 0.34).
    { name: "HF_XET_HIGH_PERFORMANCE", value: "1" },
    ...(c.hfEndpoint ? [{ name: "HF_ENDPOINT", value: c.hfEndpoint }] : []),
    ...(spec.credentials.hfToken ? [secretEnv(spec, "HF_TOKEN", "hf-token")] : []),
  ];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: names(spec).downloadJob,
      namespace: spec.namespace,
      labels: labels(spec, "weight-cache"),
      // Pulumi waits for the Job to complete before it creates the engine; let it wait long enough.
      annotations: { "pulumi.com/timeoutSeconds": String(budgets.pulumiJobTimeoutSeconds) },
    },
    spec: {
      backoffLimit: 10,
      activeDeadlineSeconds: budgets.downloadDeadlineSeconds,
      template: {
        metadata: { labels: labels(spec, "weight-cache") },
        spec: {
          restartPolicy: "OnFailure",
          containers: [
            {
              name: "download",
              image: imageString(c.downloadImage),
              command: ["/bin/sh", "-c", DOWNLOAD_SCRIPT, "download"],
              ...(include.length ? { args: include } : {}),
              env,
              resources: {
                requests: { cpu: "4", memory: "16Gi" },
                limits: { memory: "16Gi" },
              },
              volumeMounts: [{ name: CACHE_VOLUME, mountPath: HF_HOME }],
            },
          ],
          volumes: [cacheVolume(spec, false)],
        },
      },
    },
  };
}

/** Init container of the engine (run in the engine's image): blocks until the cache holds the pinned revision. */
export function waitForCacheContainer(spec: ServingSpec, budgets: TimeBudgets, image: string): IContainer {
  return {
    name: "wait-for-weights",
    image,
    command: ["/bin/sh", "-c", WAIT_FOR_CACHE_SCRIPT],
    env: [...cacheEnv(spec), { name: "WAIT_SECONDS", value: String(budgets.downloadDeadlineSeconds) }],
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
    volumeMounts: [{ name: CACHE_VOLUME, mountPath: HF_HOME, readOnly: true }],
  };
}
