/**
 * Read speeds the planner assumes for each place a checkpoint can be loaded from, each with where the
 * number comes from. Only the network volume's is a published figure; for the others no publication
 * gives a figure for these instances and a 756 GB checkpoint, so they are estimates, said so wherever
 * they are printed (`npm run plan`, README "Cold start per storage option"). A stack that measured
 * its own sets `weightCache.readBandwidthMBps`.
 */
export interface StorageSpeed {
  readonly mbps: number;
  readonly kind: "published" | "estimate";
  readonly source: string;
}

export const STORAGE_SPEEDS = {
  /** The default volume: an EBS gp3 volume at its baseline (more throughput is provisioned per volume). */
  networkVolume: {
    mbps: 125,
    kind: "published",
    source: "EBS gp3 baseline throughput, 125 MiB/s per volume (AWS EBS volume types)",
  },
  /**
   * A RAID0 array of the node's NVMe instance store (8 drives on p5/p5e/p5en/p6-b200). AWS publishes
   * no throughput for these drives; published loads reach several GB/s when storage allows (the Run:ai
   * model streamer read a 620 GB checkpoint in 35-45 s from NFS over RDMA, run-ai/runai-model-streamer
   * issue 135), and vLLM's default loader reads shard by shard. 4,000 MB/s is an assumption.
   */
  nodeLocalNvme: {
    mbps: 4000,
    kind: "estimate",
    source:
      "an estimate, not a measurement: AWS publishes no throughput for the p5/p6 instance store; 8 NVMe drives as RAID0 read more, a safetensors loader often less",
  },
  /**
   * vLLM's Run:ai model streamer from S3 into device memory. Published: the streamer saturates its
   * storage (NVIDIA's benchmark, developer.nvidia.com/blog/reducing-cold-start-latency-for-llm-inference-
   * with-nvidia-runai-model-streamer), and Anyscale cut Llama 2 70B's download and load from S3 on a
   * p4de to 20 s by streaming S3 -> CPU -> GPU over many connections. 2,000 MB/s is an assumption.
   */
  bucketStream: {
    mbps: 2000,
    kind: "estimate",
    source:
      "an estimate, not a measurement: S3 throughput scales with connections (the streamer's concurrency) up to the instance's network",
  },
} as const satisfies Record<string, StorageSpeed>;
