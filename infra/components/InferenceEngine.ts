import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackManifests } from "../k8s/manifests";
import { asArgs } from "./args";

export interface InferenceEngineArgs {
  /** A Deployment (one node) or a LeaderWorkerSet (a multi-node group). */
  readonly workload: StackManifests["engine"];
  readonly service: StackManifests["service"];
  readonly disruptionBudget: StackManifests["disruptionBudget"];
  readonly serviceMonitor: StackManifests["serviceMonitor"];
  readonly budgets: StackManifests["budgets"];
  /** The engine is created only after these: the namespace, credentials and the completed weight download. */
  readonly after: pulumi.Resource[];
  /** KEDA owns the replica count: `pulumi up` must not reset it. */
  readonly autoscaled?: boolean;
}

/**
 * An inference engine: its workload, Service and (optionally) ServiceMonitor, the same for every
 * engine; `type` (the driver's `componentType`) names the engine in the resource tree.
 */
export class InferenceEngine extends pulumi.ComponentResource {
  /** The Deployment, or the LeaderWorkerSet of a multi-node group. */
  readonly workload: k8s.apps.v1.Deployment | k8s.apiextensions.CustomResource;
  readonly service: k8s.core.v1.Service;
  readonly serviceMonitor?: k8s.apiextensions.CustomResource;

  constructor(type: string, name: string, args: InferenceEngineArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    const timeout = `${args.budgets.pulumiEngineTimeoutSeconds}s`;
    const workloadOpts = {
      parent: this,
      dependsOn: args.after,
      customTimeouts: { create: timeout, update: timeout },
      ...(args.autoscaled ? { ignoreChanges: ["spec.replicas"] } : {}),
    };
    const w = args.workload;
    this.workload =
      w.kind === "Deployment"
        ? new k8s.apps.v1.Deployment(w.metadata!.name!, asArgs<k8s.apps.v1.DeploymentArgs>(w), workloadOpts)
        : new k8s.apiextensions.CustomResource(
            w.metadata.name!,
            { apiVersion: w.apiVersion, kind: w.kind, metadata: w.metadata, spec: w.spec },
            workloadOpts,
          );
    this.service = new k8s.core.v1.Service(args.service.metadata!.name!, args.service, {
      parent: this,
      dependsOn: args.after,
    });
    // Created before the pods it protects exist: no eviction may take them once they run.
    new k8s.policy.v1.PodDisruptionBudget(
      `${args.disruptionBudget.metadata!.name!}-pdb`,
      asArgs<k8s.policy.v1.PodDisruptionBudgetArgs>(args.disruptionBudget),
      { parent: this, dependsOn: args.after },
    );
    if (args.serviceMonitor) {
      const { apiVersion, kind, metadata, spec } = args.serviceMonitor;
      this.serviceMonitor = new k8s.apiextensions.CustomResource(
        `${metadata!.name!}-monitor`,
        { apiVersion, kind, metadata, spec },
        { parent: this, dependsOn: [this.service] },
      );
    }
    this.registerOutputs({ workload: this.workload.metadata.name, service: this.service.metadata.name });
  }
}
