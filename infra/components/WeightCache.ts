import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackManifests } from "../k8s/manifests";
import { asArgs } from "./args";

export interface WeightCacheArgs {
  readonly claim: StackManifests["cacheClaim"];
  readonly scripts: StackManifests["cacheScripts"];
  readonly downloadJob: StackManifests["downloadJob"];
  readonly budgets: StackManifests["budgets"];
  /** Resources that must exist first (the namespace, the credentials the Job reads). */
  readonly after: pulumi.Resource[];
}

/**
 * The weight cache: a volume and the Job that fills it. `downloadJob` is what engines depend on:
 * Pulumi's Kubernetes provider reports a Job created only once it has completed.
 */
export class WeightCache extends pulumi.ComponentResource {
  readonly claim: k8s.core.v1.PersistentVolumeClaim;
  readonly downloadJob: k8s.batch.v1.Job;

  constructor(name: string, args: WeightCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:WeightCache", name, {}, opts);
    this.claim = new k8s.core.v1.PersistentVolumeClaim(
      args.claim.metadata!.name!,
      asArgs<k8s.core.v1.PersistentVolumeClaimArgs>(args.claim),
      {
        parent: this,
        dependsOn: args.after,
      },
    );
    const scripts = new k8s.core.v1.ConfigMap(args.scripts.metadata!.name!, args.scripts, {
      parent: this,
      dependsOn: args.after,
    });
    const timeout = `${args.budgets.pulumiJobTimeoutSeconds}s`;
    this.downloadJob = new k8s.batch.v1.Job(
      args.downloadJob.metadata!.name!,
      asArgs<k8s.batch.v1.JobArgs>(args.downloadJob),
      {
        parent: this,
        dependsOn: [...args.after, this.claim, scripts],
        customTimeouts: { create: timeout, update: timeout },
      },
    );
    this.registerOutputs({ claimName: this.claim.metadata.name, downloadJob: this.downloadJob.metadata.name });
  }
}
