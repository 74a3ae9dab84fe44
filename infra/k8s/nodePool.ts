import type { INodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1" with { "resolution-mode": "import" };
import type { IToleration } from "kubernetes-models/v1/Toleration";
import type { ServingSpec } from "../config/spec";
import { labels, names } from "./labels";
import { fillsOnEngineNode, weightsLabel } from "./weightCache";

/** Well-known label of a node's availability zone. */
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * The accelerator pool: a Karpenter v1 NodePool on elastic clusters, or nothing at all on static
 * ones (existing nodes, selected by label). Either way `scheduling()` says how the engine gets there.
 */

/** Label Karpenter puts on every node it launches for a NodePool. */
export const KARPENTER_NODEPOOL_LABEL = "karpenter.sh/nodepool";

export function karpenterNodePool(spec: ServingSpec): INodePool | undefined {
  const pool = spec.nodePool;
  if (pool.provisioner !== "karpenter") return undefined;
  const acc = spec.accelerator;
  const { group, kind, name } = pool.karpenter.nodeClass;
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: names(spec).nodePool, labels: labels(spec, "node-pool") },
    spec: {
      template: {
        ...(Object.keys(pool.labels).length ? { metadata: { labels: { ...pool.labels } } } : {}),
        spec: {
          nodeClassRef: { group, kind, name },
          requirements: [
            { key: "node.kubernetes.io/instance-type", operator: "In", values: [...pool.instanceTypes] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: [...pool.karpenter.capacityTypes] },
            ...(pool.zone ? [{ key: ZONE_LABEL, operator: "In" as const, values: [pool.zone] }] : []),
          ],
          ...(pool.taint ? { taints: [{ key: acc.taintKey, effect: "NoSchedule" as const }] } : {}),
          expireAfter: pool.karpenter.expireAfter,
        },
      },
      // The limit is in accelerators: maxNodes whole nodes, by default replicas x the group's nodes
      // (a four-node group needs four nodes' devices, not one's).
      limits: { [acc.resourceName]: String(pool.karpenter.maxNodes * acc.devicesPerNode) },
      disruption: {
        // Only an empty node is ever removed; a node serving a model is never consolidated away.
        consolidationPolicy: "WhenEmpty",
        consolidateAfter: pool.karpenter.consolidateAfter,
        // Karpenter's default budget (10% of nodes, rounded up) would allow the only node: no node is
        // taken for drift (an AMI or node class change) while it runs; empty ones go one at a time.
        // Engine pods also carry karpenter.sh/do-not-disrupt, which blocks voluntary disruption.
        budgets: [
          { nodes: "0", reasons: ["Drifted", "Underutilized"] },
          { nodes: "1", reasons: ["Empty"] },
        ],
      },
    },
  };
}

/**
 * The EC2NodeClass a stack declares (nodePool.karpenter.nodeClass.declare), with what accelerator
 * nodes need: the EKS-optimized AL2023 AMI at a pinned release (Karpenter selects its NVIDIA variant
 * for GPU instance types), a root volume sized for the engine images (Karpenter's AL2023 default is
 * 20 GiB), the NVMe instance store as RAID0 ephemeral storage, and reserved capacity by id.
 * Field names: karpenter.k8s.aws/v1 EC2NodeClass (aws/karpenter-provider-aws,
 * pkg/apis/crds/karpenter.k8s.aws_ec2nodeclasses.yaml); the tests validate against that CRD.
 */
export function ec2NodeClass(spec: ServingSpec): KubernetesCustomObject | undefined {
  const pool = spec.nodePool;
  const d = pool.karpenter.nodeClass.declare;
  if (pool.provisioner !== "karpenter" || !d) return undefined;
  const discovery = { "karpenter.sh/discovery": d.discoveryTag };
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: pool.karpenter.nodeClass.name, labels: labels(spec, "node-pool") },
    spec: {
      role: d.role,
      amiSelectorTerms: [{ alias: d.amiAlias }],
      subnetSelectorTerms: [{ tags: discovery }],
      securityGroupSelectorTerms: [{ tags: discovery }],
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          rootVolume: true,
          ebs: { volumeSize: `${d.rootVolumeGiB}Gi`, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
        },
      ],
      ...(d.instanceStoreRaid0 ? { instanceStorePolicy: "RAID0" } : {}),
      ...(d.capacityReservationIds.length
        ? { capacityReservationSelectorTerms: d.capacityReservationIds.map((id) => ({ id })) }
        : {}),
    },
  };
}

/** A custom resource as a plain object (the EC2NodeClass has no typed model in this project). */
export interface KubernetesCustomObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

export interface Scheduling {
  readonly nodeSelector: Record<string, string>;
  readonly tolerations: IToleration[];
}

/**
 * Where the engine's pods may run: the pool's nodes, tolerating the pool's taint; in node-local cache
 * mode only those whose copy of the weights is complete (labelled by the prefetch DaemonSet).
 */
export function scheduling(spec: ServingSpec): Scheduling {
  const pool = poolScheduling(spec);
  if (spec.weightCache.mode !== "node-local" || fillsOnEngineNode(spec)) return pool;
  const { key, value } = weightsLabel(spec);
  return { ...pool, nodeSelector: { ...pool.nodeSelector, [key]: value } };
}

/** The pool's nodes, whatever their caches hold (where the prefetch DaemonSet runs). */
export function poolScheduling(spec: ServingSpec): Scheduling {
  const pool = spec.nodePool;
  const nodeSelector =
    pool.provisioner === "karpenter"
      ? { [KARPENTER_NODEPOOL_LABEL]: names(spec).nodePool, ...pool.labels }
      : { ...pool.staticNodeSelector, ...pool.labels, ...(pool.zone ? { [ZONE_LABEL]: pool.zone } : {}) };
  const tolerations: IToleration[] = pool.taint
    ? [{ key: spec.accelerator.taintKey, operator: "Exists", effect: "NoSchedule" }]
    : [];
  return { nodeSelector, tolerations };
}
