import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackManifests } from "../k8s/manifests";
import { asArgs } from "./args";

export interface VllmEngineArgs {
  readonly deployment: StackManifests["engine"];
  readonly service: StackManifests["service"];
  readonly serviceMonitor: StackManifests["serviceMonitor"];
  readonly budgets: StackManifests["budgets"];
  /** The engine is created only after these: the namespace, credentials and the completed weight download. */
  readonly after: pulumi.Resource[];
}

/** vLLM's OpenAI-compatible server: Deployment, Service and (optionally) ServiceMonitor. */
export class VllmEngine extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly serviceMonitor?: k8s.apiextensions.CustomResource;

  constructor(name: string, args: VllmEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:VllmEngine", name, {}, opts);
    const timeout = `${args.budgets.pulumiEngineTimeoutSeconds}s`;
    this.deployment = new k8s.apps.v1.Deployment(
      args.deployment.metadata!.name!,
      asArgs<k8s.apps.v1.DeploymentArgs>(args.deployment),
      {
        parent: this,
        dependsOn: args.after,
        customTimeouts: { create: timeout, update: timeout },
      },
    );
    this.service = new k8s.core.v1.Service(args.service.metadata!.name!, args.service, {
      parent: this,
      dependsOn: args.after,
    });
    if (args.serviceMonitor) {
      const { apiVersion, kind, metadata, spec } = args.serviceMonitor;
      this.serviceMonitor = new k8s.apiextensions.CustomResource(
        `${metadata!.name!}-monitor`,
        { apiVersion, kind, metadata, spec },
        { parent: this, dependsOn: [this.service] },
      );
    }
    this.registerOutputs({ deployment: this.deployment.metadata.name, service: this.service.metadata.name });
  }
}
