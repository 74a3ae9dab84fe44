import { localNvmeBytes } from "../catalog/instanceStores";
import { STORAGE_SPEEDS } from "../catalog/storageSpeeds";
import type { StackConfig } from "./schema";

/**
 * Where a stack's weight cache lives when its config does not say: the fastest storage its hardware
 * has. On a Karpenter pool whose every instance type has an NVMe instance store large enough for two
 * revisions side by side (a revision change downloads next to the verified one), and whose node class
 * puts that store into a RAID0 array, the cache is node-local on that array: filled once per node by
 * the engine's own pod, read at the array's speed, no network volume in between. Everything else keeps
 * the network volume: static pools (this project does not know their disks), Docker hosts, and stacks
 * that name a volume themselves (a storage class, a pre-seeded claim, a size, a download in the zone,
 * ReadWriteMany for replicas that must share one download, as h200-fp8-scale and h100-fp8-group do).
 */

/**
 * The mount point of the instance store's RAID0 array on an EKS AL2023 node whose EC2NodeClass says
 * `instanceStorePolicy: RAID0`: nodeadm's setup-local-disks mounts the array at `${MNT_DIR}/0` with
 * MNT_DIR=/mnt/k8s-disks (awslabs/amazon-eks-ami, templates/shared/runtime/bin/setup-local-disks),
 * then bind-mounts kubelet's and containerd's directories onto it.
 */
export const RAID0_MOUNT = "/mnt/k8s-disks/0";
export const INSTANCE_STORE_HOST_PATH = `${RAID0_MOUNT}/glm-serving/weights`;
export const DEFAULT_HOST_PATH = "/var/lib/glm-serving/weights";

type CacheInputs = Pick<StackConfig, "weightCache" | "nodePool" | "target">;

/** The node class puts the instance store into a RAID0 array: a declared class says so (default true); an
 * existing class is the cluster's, and the README asks for `instanceStorePolicy: RAID0` there. */
function raid0(cfg: CacheInputs): boolean {
  const declared = cfg.nodePool.karpenter.nodeClass.declare;
  return declared === undefined || declared.instanceStoreRaid0;
}

/** Bytes two revisions need side by side: the checkpoint twice plus the headroom. */
export function twoRevisionsBytes(checkpointBytes: number, headroomPercent: number): number {
  return checkpointBytes * (2 + headroomPercent / 100);
}

/** The instance store holds the cache: every instance type has room for two revisions, as one array. */
export function instanceStoreHolds(
  cfg: CacheInputs,
  instanceTypes: readonly string[],
  checkpointBytes: number,
): boolean {
  return (
    cfg.target === "kubernetes" &&
    cfg.nodePool.provisioner === "karpenter" &&
    raid0(cfg) &&
    localNvmeBytes(instanceTypes) >= twoRevisionsBytes(checkpointBytes, cfg.weightCache.headroomPercent)
  );
}

/** The stack chose a network volume itself: a setting only a volume has. */
function namesAVolume(cfg: CacheInputs): boolean {
  const c = cfg.weightCache;
  return (
    c.storageClass !== undefined ||
    c.existingClaim !== undefined ||
    c.size !== undefined ||
    c.accessMode === "ReadWriteMany" ||
    c.downloadOn === "zone"
  );
}

export function cacheMode(
  cfg: CacheInputs,
  instanceTypes: readonly string[],
  checkpointBytes: number,
): "volume" | "node-local" {
  if (cfg.weightCache.mode) return cfg.weightCache.mode;
  return !namesAVolume(cfg) && instanceStoreHolds(cfg, instanceTypes, checkpointBytes) ? "node-local" : "volume";
}

export function resolvedHostPath(cfg: CacheInputs): string {
  if (cfg.weightCache.hostPath) return cfg.weightCache.hostPath;
  return cfg.nodePool.provisioner === "karpenter" && raid0(cfg) ? INSTANCE_STORE_HOST_PATH : DEFAULT_HOST_PATH;
}

/** The read speed the budgets assume, and whether the stack stated it or a default stands for it. */
export function readBandwidth(cfg: CacheInputs, mode: "volume" | "node-local"): { mbps: number; stated: boolean } {
  if (cfg.weightCache.readBandwidthMBps !== undefined) return { mbps: cfg.weightCache.readBandwidthMBps, stated: true };
  const speed = mode === "node-local" ? STORAGE_SPEEDS.nodeLocalNvme : STORAGE_SPEEDS.networkVolume;
  return { mbps: speed.mbps, stated: false };
}
