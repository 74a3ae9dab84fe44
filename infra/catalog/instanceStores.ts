/**
 * The NVMe instance store of the instance types this project launches: GB (10^9 bytes) in total over
 * every drive, as EC2 reports it (`InstanceStorageInfo.TotalSizeInGB`) and Karpenter labels nodes with
 * it (`karpenter.k8s.aws/instance-local-nvme`; aws/karpenter-provider-aws,
 * website/content/en/preview/reference/instance-types.md). With `instanceStorePolicy: RAID0` on the
 * EC2NodeClass the drives form one array (infra/config/cacheDefaults.ts says where it is mounted).
 * An instance type not listed here counts as having none.
 */
export const INSTANCE_LOCAL_NVME_GB: Readonly<Record<string, number>> = {
  "p4de.24xlarge": 8_000, // 8 x 1,000 GB
  "p5.4xlarge": 3_800, // 1 x 3,800 GB
  "p5.48xlarge": 30_400, // 8 x 3,800 GB
  "p5e.48xlarge": 30_400,
  "p5en.48xlarge": 30_400,
  "p6-b200.48xlarge": 30_400,
};

/** Bytes of NVMe instance store every one of these types has (0 when one of them has none). */
export function localNvmeBytes(instanceTypes: readonly string[]): number {
  if (instanceTypes.length === 0) return 0;
  return Math.min(...instanceTypes.map((t) => (INSTANCE_LOCAL_NVME_GB[t] ?? 0) * 1e9));
}
