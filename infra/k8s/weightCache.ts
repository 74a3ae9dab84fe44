import { POD_HARDENING, READ_ONLY_HELPER, ROOT_WRITER } from "./security";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IDaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IToleration } from "kubernetes-models/v1/Toleration";
import { cacheLayout, HF_HOME, type CacheLayout } from "../catalog/cacheLayout";
import type { ModelHub } from "../catalog/models";
import { containerScript } from "../containerScripts";
import { imageString } from "../core/schemaFields";
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
 * Completion is a marker per commit, written only after every file was verified against the hub's
 * listing (containerScripts/weight_cache.py has the states); the engine's init step waits for the marker of
 * the commit its revision resolved to, so it never starts on a half-written or changed cache or on
 * weights of another revision.
 *
 * Where the checkpoint lands depends on its hub: Hugging Face repositories stay in the Hub's cache
 * layout (HF_HOME) and the engine is given the repository id, as in seeds 000 and 003; ModelScope and
 * Modelers checkpoints are downloaded into a directory (`--local_dir`) that the engine is given as a
 * path, as in seed 002.
 */
export const CACHE_VOLUME = "weights";
export { cacheLayout, HF_HOME, type CacheLayout };

/**
 * The download step: containerScripts/weight_cache.py, mounted from the ConfigMap, runs each revision through
 * its states (absent -> downloading -> verifying -> complete(commit), or corrupt) with the hub's own
 * client (`hf download` of the pinned commit, resumable; `modelscope download` / `openmind-cli pull`
 * into a directory per commit), checks every file against the hub's listing (sha256 for LFS files, the
 * git blob id for the others), deletes and fetches again what fails (bounded), reports progress and
 * stops a stalled client, writes the marker of the commit last, and prunes the stack's previous
 * revision only after that (never one another stack's record names). See that file for the details.
 */
export const DOWNLOAD_SCRIPT = containerScript("download.sh");

/** The mirror / endpoint variable of each hub's client. */
const ENDPOINT_ENV: Record<ModelHub, string> = {
  huggingface: "HF_ENDPOINT",
  modelscope: "MODELSCOPE_DOMAIN",
  modelers: "OPENMIND_HUB_ENDPOINT",
};

/** The download's helper scripts (infra/containerScripts), mounted from a ConfigMap. */
export const SCRIPTS_DIR = "/opt/glm-serving";
const SCRIPTS_VOLUME = "scripts";
const SCRIPT_FILES = ["hub_manifest.py", "mirror_to_bucket.py", "verify_checkpoint.py", "weight_cache.py"] as const;

/** engine.streamFrom: the bucket the engine streams from, which the download step fills and checks. */
function streamUri(spec: ServingSpec): string | undefined {
  return "streamFrom" in spec.engine && typeof spec.engine.streamFrom === "string" ? spec.engine.streamFrom : undefined;
}

/** The helper scripts' texts by file name, as infra/containerScripts ships them. */
export function cacheScriptFiles(): Record<string, string> {
  return Object.fromEntries(SCRIPT_FILES.map((f) => [f, containerScript(f)]));
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

/**
 * The engine's init step (containerScripts/wait_for_cache.py, run inline in the engine's image): waits for the
 * marker of the commit the revision resolved to, checks by a stat that no file changed since it was
 * verified, prints the download's status while it waits, and gives up (exit 1) at the deadline.
 */
export const WAIT_FOR_CACHE_SCRIPT = containerScript("wait_for_cache.py");

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
export function downloadContainer(spec: ServingSpec): IContainer {
  const c = spec.weightCache;
  const layout = cacheLayout(spec);
  const include = c.allowPatterns.length > 0 ? [INCLUDE_FLAG[spec.model.entry.hub], ...c.allowPatterns] : [];
  const env: IEnvVar[] = [
    ...layout.env,
    { name: "SCRIPTS", value: SCRIPTS_DIR },
    { name: "STACK_NAME", value: spec.name },
    { name: "STALL_SECONDS", value: String(c.stallSeconds) },
    { name: "ALLOW_PATTERNS", value: c.allowPatterns.join(" ") },
    // engine.streamFrom: the verified revision is copied there and checked (scripts/mirror_to_bucket.py).
    ...(streamUri(spec) ? [{ name: "STREAM_TO", value: streamUri(spec)! }] : []),
    // A new token is a new pod template: the Job (or the filling pod) runs again and resolves a branch anew.
    ...(c.refresh ? [{ name: "CACHE_REFRESH", value: c.refresh }] : []),
    // A node's disk that is too small is most often an instance store that is not mounted there.
    ...(c.mode === "node-local" ? [{ name: "CACHE_HOST_PATH", value: c.hostPath }] : []),
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
    securityContext: ROOT_WRITER,
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

export function installClientContainers(spec: ServingSpec): IContainer[] {
  const c = spec.weightCache;
  if (!c.clientPackages.length) return [];
  return [
    {
      name: "install-hub-client",
      image: imageString(c.downloadImage),
      command: [
        "/bin/sh",
        "-c",
        'mkdir -p "$TMPDIR" "$HOME" && exec python3 -m pip "$@"',
        "pip",
        "install",
        "--no-cache-dir",
        "--disable-pip-version-check",
        "--target",
        HUB_CLIENT_DIR,
      ],
      args: [...c.clientPackages],
      // Writes only the emptyDir (an emptyDir is world-writable), its temporary files included: it
      // runs non-root on a read-only root filesystem.
      env: [
        { name: "TMPDIR", value: `${HUB_CLIENT_DIR}/.tmp` },
        { name: "HOME", value: `${HUB_CLIENT_DIR}/.home` },
      ],
      securityContext: READ_ONLY_HELPER,
      resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { memory: "1Gi" } },
      volumeMounts: [{ name: HUB_CLIENT_VOLUME, mountPath: HUB_CLIENT_DIR }],
    },
  ];
}

export function hubClientVolumes(spec: ServingSpec): IVolume[] {
  return spec.weightCache.clientPackages.length ? [{ name: HUB_CLIENT_VOLUME, emptyDir: {} }] : [];
}

export function scriptsVolume(spec: ServingSpec): IVolume {
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
 * Node-local mode fills each node's copy one of two ways. On a static pool a prefetch DaemonSet does it
 * on every pool node ahead of the engine. On a Karpenter pool no DaemonSet pod would ever make
 * Karpenter launch a node, so the engine's own pod, which does, fills its node's copy in an init step
 * (the same download step, under the same integrity rules) before its wait step; later pods on that
 * node find the copy complete and fetch and re-read nothing.
 */
export function fillsOnEngineNode(spec: ServingSpec): boolean {
  return spec.weightCache.mode === "node-local" && spec.nodePool.provisioner === "karpenter";
}

function usesPrefetchDaemonSet(spec: ServingSpec): boolean {
  return spec.weightCache.mode === "node-local" && !fillsOnEngineNode(spec);
}

/** The engine pod's init step that fills its node's cache (node-local mode on a Karpenter pool). */
export function fillNodeCacheContainer(spec: ServingSpec): IContainer {
  const download = downloadContainer(spec);
  // The engine's pod keeps the node's seccomp default (test/posture.test.ts says why); this step needs
  // none of that, so it runs under the runtime's profile like the download Job's pod.
  return {
    ...download,
    name: "fill-node-cache",
    securityContext: { ...download.securityContext, seccompProfile: { type: "RuntimeDefault" } },
  };
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
          // Copying to the bucket needs the cloud identity the engine's account carries (IRSA, Pod Identity).
          ...(streamUri(spec) && spec.pod.serviceAccountName
            ? { serviceAccountName: spec.pod.serviceAccountName }
            : {}),
          ...placement,
          ...(spec.weightCache.clientPackages.length ? { initContainers: installClientContainers(spec) } : {}),
          ...POD_HARDENING,
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
    command: ["python3", "-c", WAIT_FOR_CACHE_SCRIPT],
    env: [
      ...layout.env,
      { name: "WAIT_SECONDS", value: String(budgets.downloadDeadlineSeconds) },
      // The engine streams from the bucket: its copy must be verified too.
      ...(streamUri(spec) ? [{ name: "STREAM_FROM", value: streamUri(spec)! }] : []),
    ],
    resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "64Mi" } },
    securityContext: READ_ONLY_HELPER,
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
export const LABEL_NODE_SCRIPT = containerScript("label_node.py");

/** The prefetch pod is ready while the commit its revision resolved to has a marker. */
export const READY_PROBE = 'test -f "$CACHE_STATE/$(cat "$CACHE_STATE/refs/$MODEL_REVISION").complete"';

export function prefetchServiceAccount(spec: ServingSpec): IServiceAccount | undefined {
  if (!usesPrefetchDaemonSet(spec)) return undefined;
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: names(spec).prefetch, namespace: spec.namespace, labels: labels(spec, "weight-cache") },
  };
}

/** Cluster-scoped (nodes are): get and patch nodes, to label them; nothing else. */
export function prefetchClusterRole(spec: ServingSpec): IClusterRole | undefined {
  if (!usesPrefetchDaemonSet(spec)) return undefined;
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: `${spec.namespace}-${names(spec).prefetch}`, labels: labels(spec, "weight-cache") },
    rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
  };
}

export function prefetchClusterRoleBinding(spec: ServingSpec): IClusterRoleBinding | undefined {
  if (!usesPrefetchDaemonSet(spec)) return undefined;
  const name = `${spec.namespace}-${names(spec).prefetch}`;
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: labels(spec, "weight-cache") },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
    subjects: [{ kind: "ServiceAccount", name: names(spec).prefetch, namespace: spec.namespace }],
  };
}

const API_TOKEN_VOLUME = "api-token";

/**
 * The service account token as the kubelet would mount it (token, CA, namespace), but as a volume
 * mounted into label-node alone: the pod's automount is off, so the download container has no token.
 */
function apiTokenVolume(): IVolume {
  return {
    name: API_TOKEN_VOLUME,
    projected: {
      sources: [
        { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
        { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
        { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
      ],
    },
  };
}

export function prefetchDaemonSet(
  spec: ServingSpec,
  budgets: TimeBudgets,
  placement: { nodeSelector: Record<string, string>; tolerations: IToleration[] },
): IDaemonSet | undefined {
  if (!usesPrefetchDaemonSet(spec)) return undefined;
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
          // No token in the pod: only label-node gets one, below; the root download container none.
          ...POD_HARDENING,
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
                exec: { command: ["/bin/sh", "-c", READY_PROBE] },
                periodSeconds: 30,
              },
              resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
              securityContext: READ_ONLY_HELPER,
              volumeMounts: [
                { name: CACHE_VOLUME, mountPath: layout.mountPath, readOnly: true },
                { name: API_TOKEN_VOLUME, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount", readOnly: true },
              ],
            },
          ],
          volumes: [cacheVolume(spec, false), scriptsVolume(spec), apiTokenVolume(), ...hubClientVolumes(spec)],
        },
      },
    },
  };
}
