import type { ServingSpec } from "../config/spec";
import type { TimeBudgets } from "../core/timeBudgets";

/**
 * Time budgets derived from the checkpoint size, so that nothing is killed or times out while it
 * is still legitimately downloading or loading weights.
 *
 * - reading the weights: checkpoint bytes / the cache volume's read bandwidth, shared by every pod that
 *   reads the same volume at once (the nodes of a group, the replicas);
 * - startup: reading plus warm-up (compilation, CUDA graph capture, kernel JIT);
 * - download deadline: twice the time at the expected download rate (retries resume), plus reading the
 *   checkpoint once more to verify it, at least 1 h;
 * - Pulumi's waits: the budget plus slack for node provisioning and pulling a ~20 GB image (plus the
 *   download where the engine's pod fills its node's cache itself).
 */
export type { TimeBudgets };

export const STARTUP_PROBE_PERIOD_SECONDS = 10;
/** Node provisioning (Karpenter launch, driver init) and an engine image pull. */
export const SCHEDULING_SLACK_SECONDS = 20 * 60;
const MIN_DOWNLOAD_DEADLINE_SECONDS = 3600;

export function timeBudgets(spec: ServingSpec): TimeBudgets {
  const bytes = spec.model.entry.checkpointBytes;
  // Every pod of a shared volume reads the whole checkpoint at once, sharing the volume's bandwidth;
  // on node-local disks each reads its own.
  const readers = spec.weightCache.mode === "volume" ? spec.nodePool.nodes * spec.pod.replicas : 1;
  const readOnceSeconds = Math.ceil(bytes / (spec.weightCache.readBandwidthMBps * 1e6));
  const readWeightsSeconds = readOnceSeconds * readers;
  const startupSeconds = readWeightsSeconds + spec.pod.warmupMinutes * 60;
  const downloadDeadlineSeconds = Math.max(
    MIN_DOWNLOAD_DEADLINE_SECONDS,
    // The download's one verifying read of the checkpoint.
    Math.ceil((2 * bytes) / (spec.weightCache.downloadBandwidthMBps * 1e6)) + readOnceSeconds,
  );
  return {
    readWeightsSeconds,
    startupSeconds,
    startupProbe: {
      periodSeconds: STARTUP_PROBE_PERIOD_SECONDS,
      failureThreshold: Math.ceil(startupSeconds / STARTUP_PROBE_PERIOD_SECONDS),
    },
    downloadDeadlineSeconds,
    pulumiJobTimeoutSeconds: downloadDeadlineSeconds + SCHEDULING_SLACK_SECONDS,
    // Node-local on Karpenter: the engine's own pod fills its node's cache before it starts.
    pulumiEngineTimeoutSeconds:
      startupSeconds +
      SCHEDULING_SLACK_SECONDS +
      (spec.weightCache.mode === "node-local" && spec.nodePool.provisioner === "karpenter"
        ? downloadDeadlineSeconds
        : 0),
    progressDeadlineSeconds: downloadDeadlineSeconds + startupSeconds + SCHEDULING_SLACK_SECONDS,
  };
}
