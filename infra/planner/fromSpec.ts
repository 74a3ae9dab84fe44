import type { ServingSpec } from "../config/spec";
import { engineDriver } from "../engines";
import { groupFabricKnown } from "../config/fabric";
import { planCapacity, type CapacityInput, type CapacityPlan } from "./capacity";
import { quantityToBytes } from "../core/quantity";

/** The planner's view of a stack: its engine's settings, the model, its nodes, the pod's host memory. */
export function capacityInput(spec: ServingSpec): CapacityInput {
  return {
    stack: spec.stack,
    model: spec.model.entry,
    accelerator: spec.accelerator,
    nodes: spec.nodePool.nodes,
    hostMemoryBytes: quantityToBytes(spec.pod.memory),
    podReplicas: spec.pod.replicas,
    maxGroups: spec.autoscaling.enabled ? spec.autoscaling.maxReplicas : spec.pod.replicas,
    ...(spec.nodePool.provisioner === "karpenter" ? { poolMaxNodes: spec.nodePool.karpenter.maxNodes } : {}),
    // A multi-node group needs an engine that runs one, on Kubernetes (not a single Docker host).
    groupsAllowed: engineDriver(spec.engine).supportsGroups && spec.target === "kubernetes" && groupFabricKnown(spec),
    ...engineDriver(spec.engine).capacity(spec),
  };
}

export function planStack(spec: ServingSpec): CapacityPlan {
  return planCapacity(capacityInput(spec));
}
