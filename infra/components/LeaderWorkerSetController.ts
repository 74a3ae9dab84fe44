import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PinnedChart } from "../k8s/charts";

/**
 * The LeaderWorkerSet controller, a cluster prerequisite of multi-node groups, installed from the
 * chart pinned in charts/lws into its own namespace.
 */
export class LeaderWorkerSetController extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: { readonly chart: PinnedChart }, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:LeaderWorkerSetController", name, {}, opts);
    const c = { ...args.chart, namespace: args.chart.namespace ?? "lws-system" };
    const namespace = new k8s.core.v1.Namespace(c.namespace, { metadata: { name: c.namespace } }, { parent: this });
    this.chart = new k8s.helm.v4.Chart(
      c.name,
      { chart: c.chart, version: c.version, namespace: c.namespace, values: c.values },
      { parent: this, dependsOn: [namespace] },
    );
    this.registerOutputs({ chart: `${c.chart}:${c.version}` });
  }
}
