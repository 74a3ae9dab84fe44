import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IProbe } from "kubernetes-models/v1/Probe";
import { engineDriver } from "../engines";
import type { ServingSpec } from "../config/spec";
import type { TimeBudgets } from "../planner/budgets";
import { labels, names, selectorLabels } from "./labels";
import { scheduling } from "./nodePool";
import { cacheVolume, CACHE_VOLUME, HF_HOME, waitForCacheContainer } from "./weightCache";

/**
 * The engine's Deployment, shared by every engine: an engine contributes only its container's
 * command, args, environment and port; the pod around it (accelerators, cache, shared memory,
 * probes, scheduling, rollout) is the same for all of them.
 */
export interface EngineContainer {
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly IEnvVar[];
  readonly port: number;
  /** Path that answers 200 once the model is loaded and the engine healthy. */
  readonly healthPath: string;
}

export const HTTP_PORT_NAME = "http";

/** Accelerators one engine pod needs: every rank of its parallel layout on the node. */
export function devicesPerPod(spec: ServingSpec): number {
  return engineDriver(spec.engine).devicesPerPod(spec.engine);
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

export function engineDeployment(spec: ServingSpec, c: EngineContainer, budgets: TimeBudgets): IDeployment {
  const { nodeSelector, tolerations } = scheduling(spec);
  const pod = spec.pod;
  const accelerators = String(devicesPerPod(spec));
  const resources = { cpu: pod.cpu, memory: pod.memory, [spec.accelerator.resourceName]: accelerators };
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
      replicas: pod.replicas,
      // A rolling update would need a second node's worth of accelerators for the surge pod.
      strategy: { type: "Recreate" },
      selector: { matchLabels: selectorLabels(spec, "engine") },
      template: {
        metadata: { labels: labels(spec, "engine") },
        spec: {
          // Service links would inject e.g. VLLM_PORT=tcp://… for a Service named vllm, which vLLM
          // reads as its own setting.
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 60,
          ...(pod.priorityClassName ? { priorityClassName: pod.priorityClassName } : {}),
          ...(pod.serviceAccountName ? { serviceAccountName: pod.serviceAccountName } : {}),
          nodeSelector,
          ...(tolerations.length ? { tolerations } : {}),
          initContainers: [waitForCacheContainer(spec, budgets, c.image)],
          containers: [
            {
              name: "engine",
              image: c.image,
              command: [...c.command],
              args: [...c.args],
              ports: [{ name: HTTP_PORT_NAME, containerPort: c.port, protocol: "TCP" }],
              env: [...c.env],
              // Requests equal limits: accelerators cannot be overcommitted, and a Guaranteed pod is
              // the last to be evicted under memory pressure.
              resources: { requests: resources, limits: resources },
              volumeMounts: [
                { name: CACHE_VOLUME, mountPath: HF_HOME, readOnly: true },
                { name: "dshm", mountPath: "/dev/shm" },
              ],
              ...probes(c, budgets),
            },
          ],
          volumes: [
            cacheVolume(spec, true),
            // NCCL and the engine's worker processes exchange tensors through /dev/shm.
            { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: pod.shmSize } },
          ],
        },
      },
    },
  };
}
