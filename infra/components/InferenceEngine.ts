import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EngineConfig } from "../config/schema";
import { sglangDriver } from "../engines/sglang";
import { vllmDriver } from "../engines/vllm";
import type { StackManifests } from "../k8s/manifests";
import { asArgs } from "./args";

export interface InferenceEngineArgs {
  readonly deployment: StackManifests["engine"];
  readonly service: StackManifests["service"];
  readonly serviceMonitor: StackManifests["serviceMonitor"];
  readonly budgets: StackManifests["budgets"];
  /** The engine is created only after these: the namespace, credentials and the completed weight download. */
  readonly after: pulumi.Resource[];
}

/**
 * An inference engine: Deployment, Service and (optionally) ServiceMonitor, the same for every
 * engine; the subclasses only name the engine in the resource tree.
 */
export class InferenceEngine extends pulumi.ComponentResource {
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;
  readonly serviceMonitor?: k8s.apiextensions.CustomResource;

  constructor(type: string, name: string, args: InferenceEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const timeout = `${args.budgets.pulumiEngineTimeoutSeconds}s`;
    this.deployment = new k8s.apps.v1.Deployment(
      args.deployment.metadata!.name!,
      asArgs<k8s.apps.v1.DeploymentArgs>(args.deployment),
      { parent: this, dependsOn: args.after, customTimeouts: { create: timeout, update: timeout } },
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

/** vLLM's OpenAI-compatible server. */
export class VllmEngine extends InferenceEngine {
  constructor(name: string, args: InferenceEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(vllmDriver.componentType, name, args, opts);
  }
}

/** SGLang's OpenAI-compatible server. */
export class SglangEngine extends InferenceEngine {
  constructor(name: string, args: InferenceEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(sglangDriver.componentType, name, args, opts);
  }
}

export const ENGINE_COMPONENTS: { readonly [K in EngineConfig["kind"]]: typeof VllmEngine } = {
  vllm: VllmEngine,
  sglang: SglangEngine,
};
