/**
 * EFA interfaces of the EC2 instance types this project's pools launch (the AWS EC2 instance-type
 * specifications, "Maximum EFA interfaces"): a group pod requests every one of them by default, so
 * NCCL can spread its rings over all the node's network cards. A pool mixing types requests the
 * smallest count, which every one of them offers.
 */
export const EFA_INTERFACES: Readonly<Record<string, number>> = {
  "p4de.24xlarge": 4,
  "p5.48xlarge": 32,
  "p5e.48xlarge": 32,
  "p5en.48xlarge": 16,
  "p6-b200.48xlarge": 8,
};

/** The AWS EFA Kubernetes device plugin's resource (aws-efa-k8s-device-plugin). */
export const EFA_RESOURCE = "vpc.amazonaws.com/efa";
/** The resource of the NVIDIA network operator's RDMA shared device plugin in its default config. */
export const RDMA_SHARED_RESOURCE = "rdma/rdma_shared_device_a";
/** RoCE v2's GID on most fabrics (index 3: the IPv4-mapped RoCE v2 address). */
export const ROCE_DEFAULT_GID_INDEX = 3;

/** The EFA interfaces every one of `instanceTypes` offers, or undefined when one of them is unknown. */
export function efaInterfaces(instanceTypes: readonly string[]): number | undefined {
  const counts = instanceTypes.map((t) => EFA_INTERFACES[t]);
  if (counts.length === 0 || counts.some((c) => c === undefined)) return undefined;
  return Math.min(...(counts as number[]));
}

/** Environment variables the fabric may set; an engine's `engine.env` may not set them too. */
export const INTERCONNECT_ENV = [
  "FI_PROVIDER",
  "FI_EFA_USE_DEVICE_RDMA",
  "FI_EFA_FORK_SAFE",
  "NCCL_IB_DISABLE",
  "NCCL_IB_HCA",
  "NCCL_IB_GID_INDEX",
  "NCCL_NET",
] as const;
