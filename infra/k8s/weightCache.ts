import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { ModelHub } from "../catalog/models";
import { imageString } from "../config/schema/common";
import type { ServingSpec } from "../config/spec";
import type { TimeBudgets } from "../planner/budgets";
import type { PodPlacement } from "./cachePlacement";
import { namedByContent, shortHash } from "./jobIdentity";
import { labels, names, selectorLabels } from "./labels";
import { secretEnv } from "./secret";

/**
 * The weight cache: one volume per stack, filled once by a download Job, mounted read-only by the
 * engine (every replica, every node of a group), so no pod ever downloads 750 GB on its own.
 *
 * Completion is a marker file holding the revision, written only after the download has returned;
 * the engine's init step waits for a marker of the pinned revision, so it never starts on a
 * half-written cache or on weights of another revision.
 *
 * Where the checkpoint lands depends on its hub: Hugging Face repositories stay in the Hub's cache
 * layout (HF_HOME) and the engine is given the repository id, as in seeds 000 and 003; ModelScope and
 * Modelers checkpoints are downloaded into a directory (`--local_dir`) that the engine is given as a
 * path, as in seed 002.
 */
export const CACHE_VOLUME = "weights";
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
  readonly marker: string;
  /** Environment of the download and of the wait step (what to fetch, where, the marker). */
  readonly env: IEnvVar[];
}

export function cacheLayout(spec: ServingSpec): CacheLayout {
  const { hub, repo } = spec.model.entry;
  const mountPath = MOUNT_PATHS[hub];
  const modelDir = `${mountPath}/hub/models/${repo}`;
  const marker = `${mountPath}/.glm-serving/${repo.replace("/", "--")}.revision`;
  const hubEnv: IEnvVar[] =
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
    modelArg: hub === "huggingface" ? repo : modelDir,
    marker,
    env: [
      ...hubEnv,
      { name: "MODEL_HUB", value: hub },
      { name: "MODEL_REPO", value: repo },
      { name: "MODEL_REVISION", value: spec.model.revision },
      { name: "CACHE_MARKER", value: marker },
    ],
  };
}

export function markerPath(spec: ServingSpec): string {
  return cacheLayout(spec).marker;
}

/**
 * The download, in order:
 * 1. a revision change first drops the marker (engines of the old revision stop trusting the cache)
 *    and the old snapshot (for Hugging Face through huggingface_hub's cache API, which keeps blobs
 *    still referenced), so the volume needs room for one checkpoint, not two;
 * 2. the hub's own client: `hf download` of the pinned commit (resumable: a retried pod continues from
 *    `.incomplete` files), `modelscope download` or `openmind-cli pull` into the model directory;
 * 3. for Hugging Face, `refs/main` of the cached repository set to the pinned commit: a download by
 *    commit records no ref, and whatever resolves the repository by its default branch offline (the
 *    tokenizer, the MTP draft model of speculative decoding) must find the same commit;
 * 4. verification against the hub's own listing of the revision (every file present, at its size, with
 *    its sha256 where the hub gives one; every shard of the safetensors index present), by
 *    scripts/verify_checkpoint.py, mounted from a ConfigMap;
 * 5. the marker, written last and atomically: only a verified checkpoint is ever marked complete.
 */
export const DOWNLOAD_SCRIPT = `set -eu
if [ -f "$CACHE_MARKER" ] && [ "$(cat "$CACHE_MARKER")" != "$MODEL_REVISION" ]; then
  echo "glm-serving: revision changed from $(cat "$CACHE_MARKER") to $MODEL_REVISION: removing the old snapshot"
  rm -f "$CACHE_MARKER"
  if [ "$MODEL_HUB" = huggingface ]; then
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
  else
    rm -rf "$MODEL_DIR"
  fi
fi
echo "glm-serving: downloading $MODEL_REPO@$MODEL_REVISION from $MODEL_HUB"
case "$MODEL_HUB" in
  huggingface)
    hf download "$MODEL_REPO" --revision "$MODEL_REVISION" "$@"
    repo_dir="$HF_HOME/hub/models--$(echo "$MODEL_REPO" | sed 's#/#--#g')"
    mkdir -p "$repo_dir/refs"
    printf '%s' "$MODEL_REVISION" > "$repo_dir/refs/main"
    checkpoint="$repo_dir/snapshots/$MODEL_REVISION"
    ;;
  modelscope)
    modelscope download --model "$MODEL_REPO" --revision "$MODEL_REVISION" --local_dir "$MODEL_DIR" "$@"
    checkpoint="$MODEL_DIR"
    ;;
  modelers)
    if ! command -v openmind-cli >/dev/null 2>&1; then
      echo "glm-serving: openmind-cli is not in this image; set weightCache.downloadImage to an image with openmind_hub" >&2
      exit 1
    fi
    openmind-cli pull "$MODEL_REPO" --revision "$MODEL_REVISION" --local_dir "$MODEL_DIR" "$@"
    checkpoint="$MODEL_DIR"
    ;;
esac
set -f # the patterns are the hub's globs, not the shell's
python3 "$SCRIPTS/hub_manifest.py" "$MODEL_HUB" "$MODEL_REPO" "$MODEL_REVISION" /tmp/manifest.json $ALLOW_PATTERNS
set +f
python3 "$SCRIPTS/verify_checkpoint.py" "$checkpoint" /tmp/manifest.json --jobs=4
mkdir -p "$(dirname "$CACHE_MARKER")"
printf '%s\\n' "$MODEL_REVISION" > "$CACHE_MARKER.tmp"
mv "$CACHE_MARKER.tmp" "$CACHE_MARKER"
echo "glm-serving: cache complete for $MODEL_REPO@$MODEL_REVISION"
`;

/** The mirror / endpoint variable of each hub's client. */
const ENDPOINT_ENV: Record<ModelHub, string> = {
  huggingface: "HF_ENDPOINT",
  modelscope: "MODELSCOPE_DOMAIN",
  modelers: "OPENMIND_HUB_ENDPOINT",
};

/** The download's helper scripts (infra/k8s/scripts), mounted from a ConfigMap. */
export const SCRIPTS_DIR = "/opt/glm-serving";
const SCRIPTS_VOLUME = "scripts";
const SCRIPT_FILES = ["hub_manifest.py", "verify_checkpoint.py"] as const;

/** The helper scripts' texts by file name, as shipped in infra/k8s/scripts. */
export function cacheScriptFiles(): Record<string, string> {
  return Object.fromEntries(SCRIPT_FILES.map((f) => [f, readFileSync(join(__dirname, "scripts", f), "utf8")]));
}

export function cacheScriptsConfigMap(spec: ServingSpec, files = cacheScriptFiles()): IConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: names(spec).cacheScripts, namespace: spec.namespace, labels: labels(spec, "weight-cache") },
    data: files,
  };
}

/** Each hub client's flag for download filters. */
const INCLUDE_FLAG: Record<ModelHub, string> = {
  huggingface: "--include",
  modelscope: "--include",
  modelers: "--allow_patterns",
};

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

/** The volume mode's claim; none in node-local mode or when a pre-seeded claim is given. */
export function cacheClaim(spec: ServingSpec): IPersistentVolumeClaim | undefined {
  const c = spec.weightCache;
  if (c.mode === "node-local" || c.existingClaim) return undefined;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: names(spec).cacheClaim, namespace: spec.namespace, labels: labels(spec, "weight-cache") },
    spec: {
      accessModes: [c.accessMode],
      ...(c.storageClass ? { storageClassName: c.storageClass.name } : {}),
      resources: { requests: { storage: c.size } },
    },
  };
}

export function cacheVolume(spec: ServingSpec, readOnly: boolean): IVolume {
  if (spec.weightCache.mode === "node-local") {
    return { name: CACHE_VOLUME, hostPath: { path: spec.weightCache.hostPath, type: "DirectoryOrCreate" } };
  }
  return { name: CACHE_VOLUME, persistentVolumeClaim: { claimName: names(spec).cacheClaim, readOnly } };
}

/** The download, as the Job's container (volume mode) or the prefetch DaemonSet's init step (node-local). */
function downloadContainer(spec: ServingSpec): IContainer {
  const c = spec.weightCache;
  const layout = cacheLayout(spec);
  const include = c.allowPatterns.length > 0 ? [INCLUDE_FLAG[spec.model.entry.hub], ...c.allowPatterns] : [];
  const env: IEnvVar[] = [
    ...layout.env,
    { name: "SCRIPTS", value: SCRIPTS_DIR },
    { name: "ALLOW_PATTERNS", value: c.allowPatterns.join(" ") },
    // Xet-backed repositories download with more parallelism (huggingface_hub >= 0.34).
    { name: "HF_XET_HIGH_PERFORMANCE", value: "1" },
    ...(c.endpoint ? [{ name: ENDPOINT_ENV[spec.model.entry.hub], value: c.endpoint }] : []),
    ...(spec.credentials.hfToken ? [secretEnv(spec, "HF_TOKEN", "hf-token")] : []),
    ...(c.clientPackages.length ? HUB_CLIENT_ENV : []),
  ];
  return {
    name: "download",
    image: imageString(c.downloadImage),
    command: ["/bin/sh", "-c", DOWNLOAD_SCRIPT, "download"],
    ...(include.length ? { args: include } : {}),
    env,
    resources: { requests: { cpu: "4", memory: "16Gi" }, limits: { memory: "16Gi" } },
    volumeMounts: [
      { name: CACHE_VOLUME, mountPath: layout.mountPath },
      { name: SCRIPTS_VOLUME, mountPath: SCRIPTS_DIR, readOnly: true },
      ...(c.clientPackages.length ? [{ name: HUB_CLIENT_VOLUME, mountPath: HUB_CLIENT_DIR, readOnly: true }] : []),
    ],
  };
}

/**
 * The hub's client, installed at pinned versions into an emptyDir by the download image's own pip
 * (infra/catalog/downloadImage.ts), and found by the download through PATH and PYTHONPATH. Absent
 * when weightCache.downloadImage brings its own client.
 */
const HUB_CLIENT_VOLUME = "hub-client";
const HUB_CLIENT_DIR = "/opt/hub-client";
const HUB_CLIENT_ENV: IEnvVar[] = [
  { name: "PYTHONPATH", value: HUB_CLIENT_DIR },
  { name: "PATH", value: `${HUB_CLIENT_DIR}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
];

function installClientContainers(spec: ServingSpec): IContainer[] {
  const c = spec.weightCache;
  if (!c.clientPackages.length) return [];
  return [
    {
      name: "install-hub-client",
      image: imageString(c.downloadImage),
      command: [
        "python3",
        "-m",
        "pip",
        "install",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--target",
        HUB_CLIENT_DIR,
      ],
      args: [...c.clientPackages],
      resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "1Gi" } },
      volumeMounts: [{ name: HUB_CLIENT_VOLUME, mountPath: HUB_CLIENT_DIR }],
    },
  ];
}

function hubClientVolumes(spec: ServingSpec): IVolume[] {
  return spec.weightCache.clientPackages.length ? [{ name: HUB_CLIENT_VOLUME, emptyDir: {} }] : [];
}

function scriptsVolume(spec: ServingSpec): IVolume {
  return { name: SCRIPTS_VOLUME, configMap: { name: names(spec).cacheScripts } };
}

/**
 * Annotations of the download's pods: the hash of the helper scripts they mount (a changed script is
 * a changed pod template, hence a new Job), and Karpenter's do-not-disrupt (consolidating the node of
 * a two-hour download would start it over).
 */
function downloadPodAnnotations(scripts: Readonly<Record<string, string>>): Record<string, string> {
  return { "glm-serving/scripts-sha256": shortHash(scripts), "karpenter.sh/do-not-disrupt": "true" };
}

/**
 * The volume mode's download Job; none in node-local mode. It runs where the engine will run
 * (`placement`, infra/k8s/cachePlacement.ts): the first pod to mount a WaitForFirstConsumer volume
 * decides its zone (or node), so an unplaced download could create the cache where no accelerator
 * is. It is named after a hash of its immutable spec (infra/k8s/jobIdentity.ts): a new revision,
 * download image or script is a new Job; an engine change leaves it, and the verified cache, alone.
 */
export function downloadJob(
  spec: ServingSpec,
  budgets: TimeBudgets,
  placement: PodPlacement,
  scripts: Readonly<Record<string, string>>,
): IJob | undefined {
  if (spec.weightCache.mode === "node-local") return undefined;
  const job: IJob = {
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
        metadata: { labels: labels(spec, "weight-cache"), annotations: downloadPodAnnotations(scripts) },
        spec: {
          restartPolicy: "OnFailure",
          ...placement,
          ...(spec.weightCache.clientPackages.length ? { initContainers: installClientContainers(spec) } : {}),
          containers: [downloadContainer(spec)],
          volumes: [cacheVolume(spec, false), scriptsVolume(spec), ...hubClientVolumes(spec)],
        },
      },
    },
  };
  return namedByContent(job, names(spec).downloadJob);
}

/** Init container of the engine (run in the engine's image): blocks until the cache holds the pinned revision. */
export function waitForCacheContainer(spec: ServingSpec, budgets: TimeBudgets, image: string): IContainer {
  const layout = cacheLayout(spec);
  return {
    name: "wait-for-weights",
    image,
    command: ["/bin/sh", "-c", WAIT_FOR_CACHE_SCRIPT],
    env: [...layout.env, { name: "WAIT_SECONDS", value: String(budgets.downloadDeadlineSeconds) }],
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
    volumeMounts: [{ name: CACHE_VOLUME, mountPath: layout.mountPath, readOnly: true }],
  };
}

/**
 * Node-local mode. Each node of the (static) pool keeps its own copy under `weightCache.hostPath`,
 * filled by a prefetch DaemonSet: its init step is the same download and verification as the Job's;
 * its container then labels the node `weights.glm-serving/<stack>=<revision>` and stays, ready while
 * the marker holds the revision. Engine pods select that label, so they schedule only on nodes whose
 * cache is complete.
 */
export function weightsLabel(spec: ServingSpec): { key: string; value: string } {
  return { key: `weights.glm-serving/${spec.name}`, value: spec.model.revision };
}

/** Labels the pod's node through the API server (the pod's service account may patch nodes). */
export const LABEL_NODE_SCRIPT = `import json, os, ssl, sys, urllib.request
sa = "/var/run/secrets/kubernetes.io/serviceaccount"
node, key, value = os.environ["NODE_NAME"], os.environ["WEIGHTS_LABEL"], os.environ["MODEL_REVISION"]
request = urllib.request.Request(
    "https://kubernetes.default.svc/api/v1/nodes/" + node,
    data=json.dumps({"metadata": {"labels": {key: value}}}).encode(),
    method="PATCH",
    headers={"Authorization": "Bearer " + open(sa + "/token").read(), "Content-Type": "application/merge-patch+json"},
)
urllib.request.urlopen(request, context=ssl.create_default_context(cafile=sa + "/ca.crt"), timeout=30)
print("glm-serving: node %s labelled %s=%s: its weight cache is complete" % (node, key, value), flush=True)
`;

export function prefetchServiceAccount(spec: ServingSpec): IServiceAccount | undefined {
  if (spec.weightCache.mode !== "node-local") return undefined;
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: names(spec).prefetch, namespace: spec.namespace, labels: labels(spec, "weight-cache") },
  };
}

/** Cluster-scoped (nodes are): get and patch nodes, to label them; nothing else. */
export function prefetchClusterRole(spec: ServingSpec): IClusterRole | undefined {
  if (spec.weightCache.mode !== "node-local") return undefined;
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: `${spec.namespace}-${names(spec).prefetch}`, labels: labels(spec, "weight-cache") },
    rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
  };
}

export function prefetchClusterRoleBinding(spec: ServingSpec): IClusterRoleBinding | undefined {
  if (spec.weightCache.mode !== "node-local") return undefined;
  const name = `${spec.namespace}-${names(spec).prefetch}`;
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: labels(spec, "weight-cache") },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name: names(spec).prefetch, namespace: spec.namespace }],
  };
}

export function prefetchDaemonSet(
  spec: ServingSpec,
  budgets: TimeBudgets,
  placement: { nodeSelector: Record<string, string>; tolerations: IToleration[] },
): IDaemonSet | undefined {
  if (spec.weightCache.mode !== "node-local") return undefined;
  const layout = cacheLayout(spec);
  const image = imageString(spec.weightCache.downloadImage);
  const selector = { ...selectorLabels(spec, "weight-cache") };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: {
      name: names(spec).prefetch,
      namespace: spec.namespace,
      labels: labels(spec, "weight-cache"),
      // Pulumi waits for every node's copy before it creates the engine.
      annotations: { "pulumi.com/timeoutSeconds": String(budgets.pulumiJobTimeoutSeconds) },
    },
    spec: {
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: labels(spec, "weight-cache") },
        spec: {
          serviceAccountName: names(spec).prefetch,
          nodeSelector: placement.nodeSelector,
          ...(placement.tolerations.length ? { tolerations: placement.tolerations } : {}),
          initContainers: [...installClientContainers(spec), downloadContainer(spec)],
          containers: [
            {
              name: "label-node",
              image,
              command: ["/bin/sh", "-c", 'python3 -c "$LABEL_NODE" && while true; do sleep 3600; done'],
              env: [
                ...layout.env,
                { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
                { name: "WEIGHTS_LABEL", value: weightsLabel(spec).key },
                { name: "LABEL_NODE", value: LABEL_NODE_SCRIPT },
              ],
              readinessProbe: {
                exec: { command: ["/bin/sh", "-c", 'test "$(cat "$CACHE_MARKER")" = "$MODEL_REVISION"'] },
                periodSeconds: 30,
              },
              resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              volumeMounts: [{ name: CACHE_VOLUME, mountPath: layout.mountPath, readOnly: true }],
            },
          ],
          volumes: [cacheVolume(spec, false), scriptsVolume(spec), ...hubClientVolumes(spec)],
        },
      },
    },
  };
}
