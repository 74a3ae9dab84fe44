import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackManifests } from "../k8s/manifests";

export interface GpuNodePoolArgs {
  /** The Karpenter NodePool to create; undefined for a static pool of existing, labelled nodes. */
  readonly nodePool: StackManifests["nodePool"];
  /** The EC2NodeClass the stack declares; undefined when the NodePool refers to an existing one. */
  readonly nodeClass: StackManifests["nodeClass"];
}

/** The accelerator pool: a Karpenter v1 NodePool, or (static mode) nothing to create. */
export class GpuNodePool extends pulumi.ComponentResource {
  readonly nodePool?: k8s.apiextensions.CustomResource;
  readonly nodeClass?: k8s.apiextensions.CustomResource;

  constructor(name: string, args: GpuNodePoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:GpuNodePool", name, {}, opts);
    if (args.nodeClass) {
      const { apiVersion, kind, metadata, spec } = args.nodeClass;
      this.nodeClass = new k8s.apiextensions.CustomResource(
        `${metadata.name}-nodeclass`,
        { apiVersion, kind, metadata, spec },
        { parent: this },
      );
    }
    if (args.nodePool) {
      const { apiVersion, kind, metadata, spec } = args.nodePool;
      this.nodePool = new k8s.apiextensions.CustomResource(
        metadata!.name!,
        { apiVersion, kind, metadata, spec },
        { parent: this, dependsOn: this.nodeClass ? [this.nodeClass] : [] },
      );
    }
    this.registerOutputs({ nodePool: this.nodePool?.metadata.name });
  }
}
