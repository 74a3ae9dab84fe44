import { z } from "zod";
import { positiveInt } from "../../core/schemaFields";

/**
 * The fabric a multi-node NVIDIA group's NCCL traffic crosses. A data-parallel group with expert
 * parallelism moves every token's hidden state between nodes twice per MoE layer (dispatch and
 * combine), so the fabric decides whether a multi-node group is usable at all; plain TCP only when
 * the user says so.
 */
export const INTERCONNECT_KINDS = ["efa", "infiniband", "roce", "tcp"] as const;
export type InterconnectKind = (typeof INTERCONNECT_KINDS)[number];

export const interconnectSchema = z
  .strictObject({
    kind: z
      .enum(INTERCONNECT_KINDS)
      .optional()
      .describe(
        "Fabric of a multi-node NVIDIA group: efa (AWS, the default with a Karpenter pool), infiniband, roce, or tcp (slow; only when set).",
      ),
    devices: positiveInt
      .optional()
      .describe(
        "Fabric devices each pod requests (EFA interfaces, RDMA devices); default: every EFA interface of the pool's instance types, 1 RDMA device.",
      ),
    resourceName: z
      .string()
      .regex(/^[a-z0-9.-]+\/[A-Za-z0-9._-]+$/, { error: 'an extended resource name such as "rdma/ib"' })
      .optional()
      .describe(
        "Device-plugin resource of the fabric; default vpc.amazonaws.com/efa (EFA), rdma/rdma_shared_device_a (InfiniBand, RoCE).",
      ),
    hca: z
      .string()
      .regex(/^[A-Za-z0-9_:,^=-]+$/, { error: 'an NCCL_IB_HCA value such as "mlx5" or "=mlx5_0:1,mlx5_1:1"' })
      .optional()
      .describe("InfiniBand / RoCE: NCCL_IB_HCA, the host channel adapters NCCL may use; NCCL picks when unset."),
    gidIndex: z
      .number()
      .int()
      .min(0)
      .max(255)
      .optional()
      .describe("RoCE: NCCL_IB_GID_INDEX, the GID of the RoCE v2 address (3 on most RoCE v2 fabrics); default 3."),
  })
  .prefault({})
  .describe("Fabric between the nodes of a multi-node NVIDIA group (nodePool.nodes above 1).");
