import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackManifests } from "../k8s/manifests";

export interface GpuNodePoolArgs {
  /** The Karpenter NodePool to create; undefined for a static pool of existing, labelled nodes. */
  readonly nodePool: StackManifests["nodePool"];
}

/** The accelerator pool: a Karpenter v1 NodePool, or (static mode) nothing to create. */
export class GpuNodePool extends pulumi.ComponentResource {
  readonly nodePool?: k8s.apiextensions.CustomResource;

  constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:GpuNodePool", name, {}, opts);
    if (args.nodePool) {
      const { apiVersion, kind, metadata, spec } = args.nodePool;
      this.nodePool = new k8s.apiextensions.CustomResource(
        metadata!.name!,
        { apiVersion, kind, metadata, spec },
        { parent: this },
      );
    }
    this.registerOutputs({ nodePool: this.nodePool?.metadata.name });
  }
}
