import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import {
  EFA_RESOURCE,
  efaInterfaces,
  INTERCONNECT_ENV,
  RDMA_SHARED_RESOURCE,
  ROCE_DEFAULT_GID_INDEX,
} from "../catalog/interconnects";
import type { InterconnectKind } from "../config/schema/interconnect";
import { interconnectKind } from "../config/fabric";
import type { ServingSpec } from "../config/spec";

/**
 * What a multi-node NVIDIA group's pods need for their fabric: the device-plugin resource, NCCL's
 * (and libfabric's) environment, and for RDMA the right to pin memory. Pure; the config rules
 * (infra/config/rules/interconnect.ts) have refused every combination this cannot resolve.
 *
 * - EFA: the AWS EFA device plugin advertises `vpc.amazonaws.com/efa`; NCCL reaches it through the
 *   aws-ofi-nccl plugin and libfabric, told by `FI_PROVIDER=efa` to use no other provider,
 *   `FI_EFA_USE_DEVICE_RDMA=1` to read GPU memory directly (GPUDirect RDMA on p4d/p5/p6), and
 *   `FI_EFA_FORK_SAFE=1` because the engines fork worker processes after libfabric is loaded.
 * - InfiniBand / RoCE: an RDMA device resource, NCCL's IB transport on (`NCCL_IB_DISABLE=0`), the
 *   adapters (`NCCL_IB_HCA`) when given, RoCE's GID index, and `IPC_LOCK` to register memory.
 * - TCP: NCCL's socket transport only (`NCCL_IB_DISABLE=1`, `NCCL_NET=Socket`); slow, warned about.
 */
export interface GroupInterconnect {
  readonly kind: InterconnectKind;
  readonly resources: Readonly<Record<string, string>>;
  readonly env: readonly IEnvVar[];
  readonly capabilities: readonly string[];
}

export { INTERCONNECT_ENV };

/** The fabric of a multi-node NVIDIA group; undefined on a single node and on Ascend (HCCL uses the NPUs' own ports). */
export function groupInterconnect(spec: ServingSpec): GroupInterconnect | undefined {
  if (spec.nodePool.nodes === 1 || spec.accelerator.vendor !== "nvidia") return undefined;
  const ic = spec.nodePool.interconnect;
  const kind = interconnectKind(spec);
  const env = (pairs: Array<[string, string | number | undefined]>): IEnvVar[] =>
    pairs.filter(([, v]) => v !== undefined).map(([name, value]) => ({ name, value: String(value) }));
  switch (kind) {
    case "efa": {
      const devices = ic.devices ?? efaInterfaces(spec.nodePool.instanceTypes);
      if (devices === undefined) throw new Error("groupInterconnect: EFA devices unknown (refused by groupRules)");
      return {
        kind,
        resources: { [ic.resourceName ?? EFA_RESOURCE]: String(devices) },
        env: env([
          ["FI_PROVIDER", "efa"],
          ["FI_EFA_USE_DEVICE_RDMA", 1],
          ["FI_EFA_FORK_SAFE", 1],
        ]),
        capabilities: [],
      };
    }
    case "infiniband":
    case "roce":
      return {
        kind,
        resources: { [ic.resourceName ?? RDMA_SHARED_RESOURCE]: String(ic.devices ?? 1) },
        env: env([
          ["NCCL_IB_DISABLE", 0],
          ["NCCL_IB_HCA", ic.hca],
          ["NCCL_IB_GID_INDEX", kind === "roce" ? (ic.gidIndex ?? ROCE_DEFAULT_GID_INDEX) : ic.gidIndex],
        ]),
        capabilities: ["IPC_LOCK"],
      };
    case "tcp":
      return {
        kind,
        resources: {},
        env: env([
          ["NCCL_IB_DISABLE", 1],
          ["NCCL_NET", "Socket"],
        ]),
        capabilities: [],
      };
    default:
      throw new Error("groupInterconnect: no fabric (refused by groupRules)");
  }
}
