import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackManifests } from "../k8s/manifests";
import { asArgs } from "./args";

export interface WeightCacheArgs {
  readonly claim: StackManifests["cacheClaim"];
  readonly scripts: StackManifests["cacheScripts"];
  readonly downloadJob: StackManifests["downloadJob"];
  readonly prefetch: StackManifests["prefetch"];
  readonly budgets: StackManifests["budgets"];
  /** Node-local on a Karpenter pool: the engine's pod fills its node's cache (infra/k8s/weightCache.ts). */
  readonly fillsOnEngineNode: boolean;
  /** Resources that must exist first (the namespace, the credentials the download reads). */
  readonly after: pulumi.Resource[];
}

/**
 * The weight cache: a volume and the Job that fills it, or (node-local mode) the DaemonSet that fills
 * each node's disk, with the account it labels nodes with, or (node-local on Karpenter) only the
 * scripts the engine's own fill step runs. `ready` is what engines depend on: Pulumi
 * reports a Job created once it completed, a DaemonSet once every pod is ready (every copy verified).
 */
export class WeightCache extends pulumi.ComponentResource {
  readonly ready: pulumi.Resource;

  constructor(name: string, args: WeightCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:WeightCache", name, {}, opts);
    const child = { parent: this, dependsOn: args.after };
    const scripts = new k8s.core.v1.ConfigMap(args.scripts.metadata!.name!, args.scripts, child);
    const timeout = `${args.budgets.pulumiJobTimeoutSeconds}s`;
    const waits = { create: timeout, update: timeout };
    const p = args.prefetch;

    if (args.downloadJob) {
      // No claim object when the stack mounts a pre-seeded claim (weightCache.existingClaim).
      const claim = args.claim
        ? [
            // Verified weights are never deleted before their replacement verifies: when a stack stops
            // managing its claim (moved to node-local, a new claim, the stack destroyed), Pulumi forgets
            // it and leaves it with its weights; the user deletes it once the new cache is complete.
            // Argo CD leaves it too (its Applications never prune, infra/gitops/objects.ts).
            new k8s.core.v1.PersistentVolumeClaim(
              args.claim.metadata!.name!,
              asArgs<k8s.core.v1.PersistentVolumeClaimArgs>(args.claim),
              { ...child, retainOnDelete: true },
            ),
          ]
        : [];
      this.ready = new k8s.batch.v1.Job(
        args.downloadJob.metadata!.name!,
        asArgs<k8s.batch.v1.JobArgs>(args.downloadJob),
        {
          parent: this,
          dependsOn: [...args.after, ...claim, scripts],
          customTimeouts: waits,
        },
      );
    } else if (p.serviceAccount && p.clusterRole && p.clusterRoleBinding && p.daemonSet) {
      const account = new k8s.core.v1.ServiceAccount(p.serviceAccount.metadata!.name!, p.serviceAccount, child);
      const role = new k8s.rbac.v1.ClusterRole(p.clusterRole.metadata!.name!, p.clusterRole, { parent: this });
      if (p.nodePolicy && p.nodePolicyBinding) {
        const policy = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
          p.nodePolicy.metadata!.name!,
          asArgs<k8s.admissionregistration.v1.ValidatingAdmissionPolicyArgs>(p.nodePolicy),
          { parent: this },
        );
        new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
          p.nodePolicyBinding.metadata!.name!,
          asArgs<k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingArgs>(p.nodePolicyBinding),
          { parent: this, dependsOn: [policy] },
        );
      }
      const binding = new k8s.rbac.v1.ClusterRoleBinding(p.clusterRoleBinding.metadata!.name!, p.clusterRoleBinding, {
        parent: this,
        dependsOn: [role, account],
      });
      this.ready = new k8s.apps.v1.DaemonSet(
        p.daemonSet.metadata!.name!,
        asArgs<k8s.apps.v1.DaemonSetArgs>(p.daemonSet),
        {
          parent: this,
          dependsOn: [...args.after, scripts, binding],
          customTimeouts: waits,
        },
      );
    } else if (args.fillsOnEngineNode) {
      // Node-local on a Karpenter pool: the engine's own pod fills its node's copy in an init step that
      // mounts these scripts; the engine (and Pulumi's wait for it) waits for nothing else here.
      this.ready = scripts;
    } else {
      throw new Error(
        "weight cache: neither a volume with its Job, a prefetch DaemonSet, nor an engine that fills its node",
      );
    }
    this.registerOutputs({ ready: this.ready.urn });
  }
}
