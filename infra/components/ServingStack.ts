import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { ServingSpec } from "../config/spec";
import { stackManifests } from "../k8s/manifests";
import { fillsOnEngineNode } from "../k8s/weightCache";
import { endpointUrl } from "../k8s/service";
import { asArgs, withImage } from "./args";
import { EngineImage } from "./EngineImage";
import { GpuNodePool } from "./GpuNodePool";
import { pinnedChart } from "../k8s/charts";
import { imageBuild } from "../engines/images";
import { Benchmark } from "./Benchmark";
import { LeaderWorkerSetController } from "./LeaderWorkerSetController";
import { InferenceEngine } from "./InferenceEngine";
import { engineDriver } from "../engines";
import { WeightCache } from "./WeightCache";

export interface ServingStackArgs {
  readonly spec: ServingSpec;
  /** Secret values from Pulumi config; present exactly when `spec.credentials` says so. */
  readonly hfToken?: pulumi.Output<string>;
  readonly apiKey?: pulumi.Output<string>;
}

/** Length of a generated API key: 48 characters of [A-Za-z0-9], about 285 bits. */
export const GENERATED_KEY_LENGTH = 48;

/**
 * One GLM deployment: namespace, credentials, accelerator pool, weight cache and engine, wired so
 * that the engine is created only after its weights are complete.
 */
export class ServingStack extends pulumi.ComponentResource {
  readonly endpoint: pulumi.Output<string>;
  readonly servedModelName: pulumi.Output<string>;

  constructor(name: string, args: ServingStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("glm:serving:ServingStack", name, {}, opts);
    const built = imageBuild(args.spec);
    const image = built ? new EngineImage(`${name}-image`, { build: built }, { parent: this }) : undefined;
    // With a built image, every container that names its tag runs the pushed digest instead.
    const m =
      image && built ? withImage(stackManifests(args.spec), built.imageName, image.digest) : stackManifests(args.spec);
    const child = { parent: this };

    const namespace = m.namespace
      ? new k8s.core.v1.Namespace(m.namespace.metadata!.name!, m.namespace, child)
      : undefined;
    const inNamespace = namespace ? [namespace] : [];

    if (m.networkPolicy)
      new k8s.networking.v1.NetworkPolicy(
        `${m.networkPolicy.metadata!.name!}-ingress`,
        asArgs<k8s.networking.v1.NetworkPolicyArgs>(m.networkPolicy),
        { ...child, dependsOn: inNamespace },
      );

    // Closed by default: without a key of its own the stack generates one, a Pulumi secret in its
    // state (RandomPassword marks its result a secret output) that only the credentials Secret receives.
    const generated =
      args.spec.credentials.apiKey === "generated"
        ? new random.RandomPassword(`${name}-api-key`, { length: GENERATED_KEY_LENGTH, special: false }, child)
        : undefined;
    let credentials: pulumi.Resource | undefined;
    if (m.credentials) {
      const values: Record<string, pulumi.Output<string>> = {};
      if (args.hfToken) values["hf-token"] = args.hfToken;
      if (args.apiKey) values["api-key"] = args.apiKey;
      if (generated) values["api-key"] = pulumi.secret(generated.result);
      credentials = new k8s.core.v1.Secret(
        m.credentials.metadata!.name!,
        { ...asArgs<k8s.core.v1.SecretArgs>(m.credentials), stringData: pulumi.secret(values) },
        { ...child, dependsOn: inNamespace },
      );
    }
    if (m.externalCredentials) {
      // External Secrets creates the same Secret from the team's store.
      const { apiVersion, kind, metadata, spec } = m.externalCredentials;
      credentials = new k8s.apiextensions.CustomResource(
        `${metadata!.name!}-external`,
        { apiVersion, kind, metadata, spec },
        { ...child, dependsOn: inNamespace },
      );
    }
    const prerequisites = [...inNamespace, ...(credentials ? [credentials] : [])];

    new GpuNodePool(`${name}-pool`, { nodePool: m.nodePool, nodeClass: m.nodeClass }, child);
    const lws = args.spec.leaderWorkerSet.install
      ? new LeaderWorkerSetController(`${name}-lws`, { chart: pinnedChart("lws") }, child)
      : undefined;
    const cache = new WeightCache(
      `${name}-cache`,
      {
        claim: m.cacheClaim,
        scripts: m.cacheScripts,
        downloadJob: m.downloadJob,
        prefetch: m.prefetch,
        budgets: m.budgets,
        fillsOnEngineNode: fillsOnEngineNode(args.spec),
        after: prerequisites,
      },
      child,
    );
    const engine = new InferenceEngine(
      engineDriver(args.spec.engine).componentType,
      `${name}-engine`,
      {
        workload: m.engine,
        service: m.service,
        disruptionBudget: m.disruptionBudget,
        serviceMonitor: m.serviceMonitor,
        budgets: m.budgets,
        after: [...prerequisites, cache.ready, ...(lws ? [lws.chart] : [])],
        autoscaled: m.scaledObject !== undefined,
      },
      child,
    );
    // Scale-out: the router (InferencePool and endpoint picker from the pinned chart, an HTTPRoute
    // from the user's Gateway) and KEDA's ScaledObject; their controllers are cluster prerequisites.
    if (m.router) {
      const r = m.router;
      const chart = new k8s.helm.v4.Chart(
        r.releaseName,
        { chart: r.chart.chart, version: r.chart.version, namespace: r.namespace, values: r.values },
        { ...child, dependsOn: prerequisites },
      );
      if (m.httpRoute) {
        const { apiVersion, kind, metadata, spec } = m.httpRoute;
        new k8s.apiextensions.CustomResource(
          `${metadata.name}-route`,
          { apiVersion, kind, metadata, spec },
          { ...child, dependsOn: [chart] },
        );
      }
    }
    // Observing: the Grafana sidecar's dashboard ConfigMap and the Prometheus operator's alert rules.
    if (m.dashboard) {
      new k8s.core.v1.ConfigMap(m.dashboard.metadata.name, m.dashboard, { ...child, dependsOn: prerequisites });
    }
    if (m.alertRules) {
      const { apiVersion, kind, metadata, spec } = m.alertRules;
      new k8s.apiextensions.CustomResource(
        metadata.name,
        { apiVersion, kind, metadata, spec },
        { ...child, dependsOn: prerequisites },
      );
    }
    if (m.scaledObject) {
      const { apiVersion, kind, metadata, spec } = m.scaledObject;
      new k8s.apiextensions.CustomResource(
        `${metadata.name}-scaler`,
        { apiVersion, kind, metadata, spec },
        { parent: engine, dependsOn: [engine.workload] },
      );
    }
    if (m.smokeTestJob) {
      // Awaited like any Job: a model that does not answer fails the update.
      const timeout = `${m.budgets.pulumiEngineTimeoutSeconds}s`;
      new k8s.batch.v1.Job(m.smokeTestJob.metadata!.name!, asArgs<k8s.batch.v1.JobArgs>(m.smokeTestJob), {
        parent: engine,
        dependsOn: [...prerequisites, engine.workload, engine.service],
        customTimeouts: { create: timeout, update: timeout },
      });
    }
    if (m.benchmarkClaim && m.benchmarkJob) {
      new Benchmark(
        `${name}-bench`,
        { claim: m.benchmarkClaim, job: m.benchmarkJob, after: [...prerequisites, engine.workload] },
        child,
      );
    }

    this.endpoint = pulumi.output(endpointUrl(args.spec));
    this.servedModelName = pulumi.output(args.spec.model.servedModelName);
    this.registerOutputs({ endpoint: this.endpoint, servedModelName: this.servedModelName });
  }
}
