import { ENGINE, ENGINE_POD } from "./security";
import type { ILeaderWorkerSet } from "./leaderWorkerSetTypes";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IProbe } from "kubernetes-models/v1/Probe";
import type { IVolume } from "kubernetes-models/v1/Volume";
import type { IVolumeMount } from "kubernetes-models/v1/VolumeMount";
import { containerScript } from "../containerScripts";
import { engineDriver } from "../engines";
import { DATA_PARALLEL_GROUP_LAUNCH, type EngineProcess } from "../engines/driver";
import { processEnvVar } from "./secret";
import type { ServingSpec } from "../config/spec";
import type { TimeBudgets } from "../planner/budgets";
import { groupLayout, type GroupLayout } from "../core/groupLayout";
import { groupInterconnect } from "./interconnect";
import { labels, names, selectorLabels } from "./labels";
import { scheduling } from "./nodePool";
import {
  cacheLayout,
  cacheVolume,
  CACHE_VOLUME,
  fillNodeCacheContainer,
  fillsOnEngineNode,
  hubClientVolumes,
  installClientContainers,
  scriptsVolume,
  waitForCacheContainer,
} from "./weightCache";
import { compileCacheEnv, compileCacheMount, compileCacheVolume } from "./compileCache";

/**
 * The engine's workload, shared by every engine: an engine contributes only its process (command,
 * args, environment, port, host paths; engines/driver.ts); the pod around it (accelerators, cache,
 * shared memory, probes, scheduling, rollout) is the same for all of them. One node is a Deployment;
 * a multi-node group is a LeaderWorkerSet whose leader serves the API and whose workers run headless.
 */
export type EngineContainer = EngineProcess;

export const HTTP_PORT_NAME = "http";
/** Label telling a group's leader (which serves the API) from its workers. */
export const ROLE_LABEL = "glm-serving/role";

/**
 * Accelerators one engine pod needs: its share of the group's parallel ranks (a whole node in a group),
 * from the same layout that gives the workers their start ranks (core/groupLayout.ts).
 */
export function devicesPerPod(spec: ServingSpec): number {
  return engineGroupLayout(spec).devicesPerPod;
}

function probes(
  c: EngineContainer,
  budgets: TimeBudgets,
): { startupProbe: IProbe; readinessProbe: IProbe; livenessProbe: IProbe } {
  const get = { path: c.healthPath, port: HTTP_PORT_NAME };
  return {
    // Kubernetes runs neither readiness nor liveness until the startup probe has passed, so the
    // liveness probe can never kill a server that is still reading its weights.
    startupProbe: { httpGet: get, timeoutSeconds: 5, ...budgets.startupProbe },
    readinessProbe: { httpGet: get, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
    // A loaded engine that stops answering for 2.5 minutes is wedged: restart it.
    livenessProbe: { httpGet: get, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 5 },
  };
}

/**
 * Start of every pod of a multi-node group, before the engine: points the collective-communication
 * sockets at the pod's NIC (configured, or the interface holding the pod IP), then
 * - on the leader (LWS_WORKER_INDEX 0): runs the engine with its own address as the group's address;
 * - on a worker: waits until the leader's address (LWS_LEADER_ADDRESS) resolves, failing with a clear
 *   line at the deadline instead of passing an empty address, then joins the group.
 * How the ranks meet is the engine's (GROUP_LAUNCH): vLLM workers run `--headless` from their
 * data-parallel start rank, the index-th of START_RANKS (the planner's layout, infra/core/groupLayout.ts),
 * and every node names the leader in `--data-parallel-address`; SGLang nodes pass `--node-rank <index>`
 * and `--dist-init-addr <leader>:<port>`.
 */
export const GROUP_ENTRYPOINT = containerScript("group_entrypoint.sh");

export type PodRole = "single" | "leader" | "worker";

/** The group's layout: the planner's own arithmetic over the engine's parallel settings. */
export function engineGroupLayout(spec: ServingSpec): GroupLayout {
  const p = engineDriver(spec.engine).capacity(spec as never);
  return groupLayout({
    nodes: spec.nodePool.nodes,
    devicesPerNode: spec.accelerator.devicesPerNode,
    tensor: p.tensor,
    pipeline: p.pipeline,
    data: p.data,
    expertParallel: p.expertParallel,
    routedExperts: spec.model.entry.architecture.routedExperts,
  }).layout;
}

/** The group's environment: the pod IP, how ranks meet, the wait, the socket NIC, the fabric. */
function groupEnv(spec: ServingSpec, c: EngineContainer): IEnvVar[] {
  const launch = c.groupLaunch ?? DATA_PARALLEL_GROUP_LAUNCH;
  return [
    { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
    { name: "GROUP_LAUNCH", value: launch.launcher },
    ...(launch.distInitPort !== undefined
      ? [{ name: "DIST_INIT_PORT", value: String(launch.distInitPort) }]
      : [{ name: "START_RANKS", value: engineGroupLayout(spec).startRanks.join(" ") }]),
    { name: "LEADER_WAIT_SECONDS", value: String(spec.pod.leaderWaitSeconds) },
    { name: "SOCKET_IFNAME_VARS", value: (c.socketInterfaceVars ?? []).join(" ") },
    ...(spec.pod.socketInterface ? [{ name: "SOCKET_IFNAME", value: spec.pod.socketInterface }] : []),
    ...(c.groupEnv ?? []).map((e) => processEnvVar(spec, e)),
    ...(groupInterconnect(spec)?.env ?? []),
  ];
}

/** The engine pod: the same for a single node, a group's leader and its workers (which serve no HTTP). */
export function enginePodSpec(spec: ServingSpec, c: EngineContainer, budgets: TimeBudgets, role: PodRole): IPodSpec {
  const { nodeSelector, tolerations } = scheduling(spec);
  const pod = spec.pod;
  const layout = cacheLayout(spec);
  const inGroup = role !== "single";
  const fabric = inGroup ? groupInterconnect(spec) : undefined;
  const resources = {
    cpu: pod.cpu,
    memory: pod.memory,
    [spec.nodePool.resourceName]: String(devicesPerPod(spec)),
    ...(fabric?.resources ?? {}),
  };
  const hostPaths = c.hostPaths ?? [];
  const hostVolumes: IVolume[] = hostPaths.map((h) => ({ name: h.name, hostPath: { path: h.path, type: h.type } }));
  const hostMounts: IVolumeMount[] = hostPaths.map((h) => ({ name: h.name, mountPath: h.path, readOnly: true }));
  return {
    // Service links would inject e.g. VLLM_PORT=tcp://… for a Service named vllm, which vLLM reads as
    // its own setting.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: 60,
    ...(pod.hostNetwork ? { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" } : {}),
    ...(pod.priorityClassName ? { priorityClassName: pod.priorityClassName } : {}),
    ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
    ...ENGINE_POD,
    nodeSelector,
    ...(tolerations.length ? { tolerations } : {}),
    initContainers: [
      ...(fillsOnEngineNode(spec) ? [...installClientContainers(spec), fillNodeCacheContainer(spec)] : []),
      waitForCacheContainer(spec, budgets, c.toolsImage ?? c.image),
    ],
    containers: [
      {
        name: "engine",
        image: c.image,
        command: inGroup ? ["/bin/sh", "-c", GROUP_ENTRYPOINT, "glm-serving-group", ...c.command] : [...c.command],
        args: [...c.args],
        ...(role === "worker" ? {} : { ports: [{ name: HTTP_PORT_NAME, containerPort: c.port, protocol: "TCP" }] }),
        env: [
          ...(inGroup ? groupEnv(spec, c) : []),
          ...c.env.map((e) => processEnvVar(spec, e)),
          ...compileCacheEnv(spec),
        ],
        // Requests equal limits: accelerators cannot be overcommitted, and a Guaranteed pod is the
        // last to be evicted under memory pressure.
        resources: { requests: resources, limits: resources },
        // No escalation; RDMA registers (pins) memory with the adapter, which needs more than the
        // default memlock.
        securityContext: {
          ...ENGINE,
          ...(fabric?.capabilities.length ? { capabilities: { add: [...fabric.capabilities] } } : {}),
        },
        volumeMounts: [
          { name: CACHE_VOLUME, mountPath: layout.mountPath, readOnly: true },
          { name: "dshm", mountPath: "/dev/shm" },
          compileCacheMount(spec, c.image),
          ...hostMounts,
        ],
        // Workers of a group serve no HTTP; a failure of theirs restarts the whole group instead.
        ...(role === "worker" ? {} : probes(c, budgets)),
      },
    ],
    volumes: [
      cacheVolume(spec, true),
      // Collectives and the engine's worker processes exchange tensors through /dev/shm.
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: pod.shmSize } },
      compileCacheVolume(spec, c.image),
      ...(fillsOnEngineNode(spec) ? [scriptsVolume(spec), ...hubClientVolumes(spec)] : []),
      ...hostVolumes,
    ],
  };
}

function podLabels(spec: ServingSpec, role: "leader" | "worker") {
  return { ...labels(spec, "engine"), [ROLE_LABEL]: role };
}

/**
 * Engine pods are never taken voluntarily: Karpenter does not disrupt a node running a pod with
 * `karpenter.sh/do-not-disrupt` (consolidation, drift); reloading the model takes hours.
 */
export const ENGINE_POD_ANNOTATIONS = { "karpenter.sh/do-not-disrupt": "true" } as const;

export function engineDeployment(spec: ServingSpec, c: EngineContainer, budgets: TimeBudgets): IDeployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: names(spec).engine,
      namespace: spec.namespace,
      labels: labels(spec, "engine"),
      // Pulumi waits for the rollout; it must outlast node provisioning plus the startup budget.
      annotations: { "pulumi.com/timeoutSeconds": String(budgets.pulumiEngineTimeoutSeconds) },
    },
    spec: {
      replicas: spec.pod.replicas,
      // A rolling update would need a second node's worth of accelerators for the surge pod.
      strategy: { type: "Recreate" },
      // Pods may wait for the cache, then load for hours: not "stuck" until all of that has passed.
      progressDeadlineSeconds: budgets.progressDeadlineSeconds,
      selector: { matchLabels: selectorLabels(spec, "engine") },
      template: {
        metadata: { labels: podLabels(spec, "leader"), annotations: { ...ENGINE_POD_ANNOTATIONS } },
        spec: enginePodSpec(spec, c, budgets, "single"),
      },
    },
  };
}

/**
 * A multi-node group as a LeaderWorkerSet: `size` pods (one per node), restarted together when any
 * of them fails (a data-parallel group cannot lose a member), workers created as soon as the leader
 * exists (they wait for its address themselves; the leader is only ready once they have joined).
 */
export function engineLeaderWorkerSet(spec: ServingSpec, c: EngineContainer, budgets: TimeBudgets): ILeaderWorkerSet {
  return {
    apiVersion: "leaderworkerset.x-k8s.io/v1",
    kind: "LeaderWorkerSet",
    metadata: {
      name: names(spec).engine,
      namespace: spec.namespace,
      labels: labels(spec, "engine"),
      annotations: {
        // Pulumi does not know this resource's readiness. The Available condition alone is not enough:
        // LWS conditions carry no observedGeneration, so during an update the previous generation's
        // Available satisfies it at once. Wait for the counts instead: every group on the current
        // template (updatedReplicas) and ready (readyReplicas), with Available; all of a JSON list
        // must hold (pulumi-kubernetes tests/sdk/nodejs/testdata/await/generic/index.ts). The status
        // also has a top-level observedGeneration, which Pulumi's generic await compares with
        // metadata.generation.
        "pulumi.com/waitFor": JSON.stringify([
          `jsonpath={.status.updatedReplicas}=${spec.pod.replicas}`,
          `jsonpath={.status.readyReplicas}=${spec.pod.replicas}`,
          "condition=Available",
        ]),
        "pulumi.com/timeoutSeconds": String(budgets.pulumiEngineTimeoutSeconds),
      },
    },
    spec: {
      replicas: spec.pod.replicas,
      startupPolicy: "LeaderCreated",
      leaderWorkerTemplate: {
        size: spec.nodePool.nodes,
        restartPolicy: "RecreateGroupOnPodRestart",
        leaderTemplate: {
          metadata: { labels: podLabels(spec, "leader"), annotations: { ...ENGINE_POD_ANNOTATIONS } },
          spec: enginePodSpec(spec, c, budgets, "leader"),
        },
        workerTemplate: {
          metadata: { labels: podLabels(spec, "worker"), annotations: { ...ENGINE_POD_ANNOTATIONS } },
          spec: enginePodSpec(spec, c, budgets, "worker"),
        },
      },
    },
  };
}

/** The engine's workload: a Deployment on one node, a LeaderWorkerSet across several. */
export function engineWorkload(
  spec: ServingSpec,
  c: EngineContainer,
  budgets: TimeBudgets,
): IDeployment | ILeaderWorkerSet {
  return spec.nodePool.nodes > 1 ? engineLeaderWorkerSet(spec, c, budgets) : engineDeployment(spec, c, budgets);
}
