import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application" with {
  "resolution-mode": "import",
};
import type { ServingSpec } from "../config/spec";
import type { PinnedChart } from "../k8s/charts";
import type { GitopsSettings } from "./settings";

/**
 * The two ways a cluster can follow this repository:
 * - a Pulumi Kubernetes Operator `Stack` (pulumi.com/v1) that runs the program itself, from this
 *   repository, branch and stack: refreshing first, re-running on a schedule to correct drift, and
 *   never destroying the deployment when the object is deleted;
 * - an Argo CD `Application` that syncs the stack's rendered manifests (rendered/<stack>/), healing
 *   drift but never pruning (deleting a 750 GB cache should take a person).
 */
export interface OperatorStack {
  apiVersion: "pulumi.com/v1";
  kind: "Stack";
  metadata: { name: string; namespace: string };
  spec: Record<string, unknown>;
}

const objectName = (stack: string) => `glm-serving-${stack}`;

/**
 * What the workspace needs to open the stack: on Pulumi Cloud an access token (the stacks' secrets
 * are then encrypted by the service); on a self-managed backend the passphrase of the default
 * passphrase secrets provider (such a backend needs its own storage credentials too, e.g. through the
 * service account's cloud identity).
 */
function backendCredentials(s: GitopsSettings) {
  const ref = (secret: { name: string; key: string }) => ({
    type: "Secret",
    secret: { name: secret.name, key: secret.key },
  });
  return s.pulumi.backend
    ? { PULUMI_CONFIG_PASSPHRASE: ref(s.pulumi.passphraseSecret) }
    : { PULUMI_ACCESS_TOKEN: ref(s.pulumi.accessTokenSecret) };
}

/**
 * Whether the operator can run the stack: a Docker-target stack without `docker.host` would talk to
 * the Docker socket of the operator's own workspace pod, which has none.
 */
export function operatorCanRun(spec: ServingSpec): boolean {
  return spec.target === "kubernetes" || spec.docker.host !== undefined;
}

/**
 * `serviceAccountName` is the workspace's account (gitops/pulumi-operator/, workspaceRbac.ts): the
 * least-privilege one unless the stack installs a Helm chart.
 */
export function operatorStack(
  spec: ServingSpec,
  s: GitopsSettings,
  serviceAccountName = s.pulumi.serviceAccountName,
): OperatorStack {
  return {
    apiVersion: "pulumi.com/v1",
    kind: "Stack",
    metadata: { name: objectName(spec.stack), namespace: s.pulumi.namespace },
    spec: {
      // The operator expects a fully qualified name (the CRD: "<org>/<stack>").
      stack: `${s.pulumi.organization}/${spec.stack}`,
      projectRepo: s.repository,
      branch: s.branch,
      repoDir: ".",
      serviceAccountName,
      ...(s.pulumi.backend ? { backend: s.pulumi.backend } : {}),
      envRefs: backendCredentials(s),
      refresh: true,
      continueResyncOnCommitMatch: true,
      resyncFrequencySeconds: s.pulumi.resyncFrequencySeconds,
      destroyOnFinalize: false,
    },
  };
}

export function argoApplication(spec: ServingSpec, s: GitopsSettings): IApplication {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: objectName(spec.stack), namespace: s.argocd.namespace },
    spec: {
      project: s.argocd.project,
      source: { repoURL: s.repository, targetRevision: s.branch, path: `rendered/${spec.stack}` },
      destination: { server: "https://kubernetes.default.svc", namespace: spec.namespace },
      syncPolicy: { automated: { prune: false, selfHeal: true }, syncOptions: ["ServerSideApply=true"] },
    },
  };
}

/**
 * An Argo CD `Application` for a cluster add-on chart that `pulumi up` installs itself (the
 * LeaderWorkerSet controller): the same pinned chart, version and values, from its OCI registry
 * (Argo CD 3.1+ reads OCI Helm charts natively; `path` is then the chart's root). One per cluster,
 * however many stacks need it.
 */
export function addonApplication(chart: PinnedChart, s: GitopsSettings): IApplication {
  return {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Application",
    metadata: { name: `glm-serving-addon-${chart.name}`, namespace: s.argocd.namespace },
    spec: {
      project: s.argocd.project,
      source: {
        repoURL: chart.chart,
        targetRevision: chart.version,
        path: ".",
        helm: { releaseName: chart.name, valuesObject: chart.values },
      },
      destination: { server: "https://kubernetes.default.svc", namespace: chart.namespace },
      syncPolicy: {
        automated: { prune: false, selfHeal: true },
        syncOptions: ["CreateNamespace=true", "ServerSideApply=true"],
      },
    },
  };
}
