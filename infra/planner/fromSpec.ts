import type { ServingSpec } from "../config/spec";
import { efaInterfaces } from "../catalog/interconnects";
import { engineDriver } from "../engines";
import { interconnectKind } from "../k8s/interconnect";
import { planCapacity, type CapacityInput, type CapacityPlan } from "./capacity";
import { quantityToBytes } from "./quantity";

/** Whether a group of this pool needs no interconnect setting the planner cannot choose (EFA counts). */
function fabricKnown(spec: ServingSpec): boolean {
  if (spec.accelerator.vendor !== "nvidia" || interconnectKind(spec) !== "efa") return true;
  return spec.nodePool.interconnect.devices !== undefined || efaInterfaces(spec.nodePool.instanceTypes) !== undefined;
}

/** The planner's view of a stack: its engine's settings, the model, its nodes, the pod's host memory. */
export function capacityInput(spec: ServingSpec): CapacityInput {
  return {
    stack: spec.stack,
    model: spec.model.entry,
    accelerator: spec.accelerator,
    nodes: spec.nodePool.nodes,
    hostMemoryBytes: quantityToBytes(spec.pod.memory),
    podReplicas: spec.pod.replicas,
    // A multi-node group needs an engine that runs one, on Kubernetes (not a single Docker host), and
    // a fabric the stack can configure without more settings (the EFA interfaces of its instances known).
    groupsAllowed: engineDriver(spec.engine).supportsGroups && spec.target === "kubernetes" && fabricKnown(spec),
    ...engineDriver(spec.engine).capacity(spec),
  };
}

export function planStack(spec: ServingSpec): CapacityPlan {
  return planCapacity(capacityInput(spec));
}
