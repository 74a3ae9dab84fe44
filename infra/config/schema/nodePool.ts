import { z } from "zod";
import { ACCELERATOR_IDS } from "../../catalog/accelerators";
import { dnsLabel, labelMap, positiveInt } from "../../core/schemaFields";
import { interconnectSchema } from "./interconnect";

/** Karpenter duration: Go duration like "30m" / "720h", or "Never". */
const karpenterDuration = z.string().regex(/^(([0-9]+(s|m|h))+|Never)$/, {
  error: 'a duration such as "30m", "720h" or "Never"',
});

/** An EC2NodeClass the stack declares (karpenter.k8s.aws/v1), with what GPU nodes need. */
const ec2NodeClassSchema = z.strictObject({
  role: z.string().min(1).describe("IAM role of the nodes (Karpenter's node role)."),
  discoveryTag: z
    .string()
    .min(1)
    .describe(
      "Value of the `karpenter.sh/discovery` tag on the cluster's subnets and security groups (the cluster name).",
    ),
  amiAlias: z
    .string()
    .regex(/^al2023@v[0-9]{8}$/, { error: 'a pinned AL2023 release, e.g. "al2023@v20251110" (not latest)' })
    .default("al2023@v20251110")
    .describe(
      "EKS-optimized AL2023 AMI release; Karpenter picks its NVIDIA variant for GPU instance types. Pinned: `latest` would drift every node.",
    ),
  rootVolumeGiB: positiveInt
    .default(500)
    .describe("Root volume (gp3) for the engine images (~20-40 GB each, unpacked twice while pulling) and JIT caches."),
  instanceStoreRaid0: z
    .boolean()
    .default(true)
    .describe(
      "instanceStorePolicy RAID0: the NVMe instance store (8 x 3.84 TB on p5/p5e/p5en/p6-b200) becomes the node's ephemeral storage (images, emptyDirs).",
    ),
  capacityReservationIds: z
    .array(z.string().regex(/^cr-[0-9a-z]+$/, { error: "a capacity reservation id, cr-..." }))
    .default([])
    .describe(
      "Capacity reservations (capacityReservationSelectorTerms) for reserved p5e/p5en/p6 capacity; add `reserved` to capacityTypes.",
    ),
});

export const nodePoolSchema = z
  .strictObject({
    accelerator: z
      .enum(ACCELERATOR_IDS)
      .default("h200-141gb")
      .describe("Accelerator of the pool's nodes (see infra/catalog/accelerators.ts)."),
    nodes: positiveInt
      .default(1)
      .describe(
        "Nodes of one serving group; above 1 the engine runs as a LeaderWorkerSet (node0 serves, the rest run headless).",
      ),
    resourceName: z
      .string()
      .regex(/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/, { error: 'an extended resource name such as "huawei.com/Ascend910"' })
      .optional()
      .describe(
        "Device-plugin resource the engine requests; default: the accelerator's (nvidia.com/gpu, huawei.com/Ascend910).",
      ),
    provisioner: z
      .enum(["karpenter", "static"])
      .default("karpenter")
      .describe("karpenter: create a Karpenter v1 NodePool; static: target existing nodes by label."),
    karpenter: z
      .strictObject({
        instanceTypes: z
          .array(z.string().min(1))
          .min(1)
          .optional()
          .describe(
            "Instance types to launch; default: the accelerator's (e.g. p5en.48xlarge, p5e.48xlarge for H200).",
          ),
        capacityTypes: z
          .array(z.enum(["on-demand", "spot", "reserved"]))
          .min(1)
          .default(["on-demand"])
          .describe(
            "`karpenter.sh/capacity-type` values; on-demand by default (a spot reclaim costs a 750 GB reload).",
          ),
        nodeClass: z
          .strictObject({
            group: z.string().default("karpenter.k8s.aws").describe("API group of the node class."),
            kind: z.string().default("EC2NodeClass").describe("Kind of the node class."),
            name: dnsLabel
              .optional()
              .describe(
                "Name of the node class: an existing one's (default `default`), or, with `declare`, the declared one's (default <name>-<accelerator>).",
              ),
            declare: ec2NodeClassSchema
              .optional()
              .describe("Declare the EC2NodeClass in this stack instead of referring to an existing one."),
          })
          .prefault({})
          .describe("The provider node class the NodePool's nodes are built from."),
        maxNodes: positiveInt
          .optional()
          .describe(
            "Most nodes the pool may run; default: what serving needs, pod.replicas x nodePool.nodes. Becomes the NodePool's accelerator limit.",
          ),
        consolidateAfter: karpenterDuration
          .default("30m")
          .describe("How long an empty node is kept before Karpenter removes it."),
        expireAfter: karpenterDuration
          .default("Never")
          .describe("Node lifetime; Never by default, since a replacement node reloads the whole checkpoint."),
      })
      .prefault({})
      .describe("Settings of the Karpenter NodePool (provisioner: karpenter)."),
    zone: z
      .string()
      .regex(/^[a-z0-9-]+$/, { error: 'an availability zone, e.g. "us-east-2b"' })
      .optional()
      .describe(
        "Availability zone of the pool (topology.kubernetes.io/zone): where the accelerators are, and the zone the download may run in (weightCache.downloadOn zone).",
      ),
    staticNodeSelector: labelMap
      .optional()
      .describe("Labels of the existing nodes (provisioner: static); default: the accelerator's product label."),
    labels: labelMap
      .default({})
      .describe("Extra labels put on the pool's nodes (Karpenter) and required by the engine."),
    taint: z
      .boolean()
      .default(true)
      .describe("Taint the pool's nodes with the accelerator resource (NoSchedule) and tolerate it in the engine."),
    interconnect: interconnectSchema,
  })
  .describe("Where the engine runs.");
