import { efaInterfaces } from "../catalog/interconnects";
import type { InterconnectKind } from "./schema/interconnect";
import type { ServingSpec } from "./spec";

/** The fabric's kind: as configured, else EFA for a Karpenter (AWS) pool; undefined when unknown. */
export function interconnectKind(spec: {
  readonly nodePool: Pick<ServingSpec["nodePool"], "interconnect" | "provisioner">;
}): InterconnectKind | undefined {
  return spec.nodePool.interconnect.kind ?? (spec.nodePool.provisioner === "karpenter" ? "efa" : undefined);
}

/**
 * Whether a multi-node group of this stack would have a fabric the config rules accept: Ascend's own,
 * a configured one, or EFA on instance types whose interface count is known. The planner offers
 * groups only then.
 */
export function groupFabricKnown(spec: ServingSpec): boolean {
  if (spec.accelerator.vendor !== "nvidia") return true;
  const kind = interconnectKind(spec);
  if (kind === undefined) return false;
  return (
    kind !== "efa" ||
    spec.nodePool.interconnect.devices !== undefined ||
    efaInterfaces(spec.nodePool.instanceTypes) !== undefined
  );
}
