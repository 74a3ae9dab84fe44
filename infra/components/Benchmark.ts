import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { asArgs } from "./args";

export interface BenchmarkArgs {
  readonly claim: IPersistentVolumeClaim;
  readonly job: IJob;
  /** Created only after these: the engine's rollout (awaited by Pulumi) and what it needed. */
  readonly after: pulumi.Resource[];
}

/** The benchmark run: a volume for its results and the Job that fills it. */
export class Benchmark extends pulumi.ComponentResource {
  readonly claim: k8s.core.v1.PersistentVolumeClaim;
  readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: BenchmarkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:Benchmark", name, {}, opts);
    this.claim = new k8s.core.v1.PersistentVolumeClaim(
      args.claim.metadata!.name!,
      asArgs<k8s.core.v1.PersistentVolumeClaimArgs>(args.claim),
      {
        parent: this,
        dependsOn: args.after,
      },
    );
    this.job = new k8s.batch.v1.Job(args.job.metadata!.name!, asArgs<k8s.batch.v1.JobArgs>(args.job), {
      parent: this,
      dependsOn: [...args.after, this.claim],
    });
    this.registerOutputs({ job: this.job.metadata.name });
  }
}
