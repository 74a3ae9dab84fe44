import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1";
import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { DaemonSet, Deployment } from "kubernetes-models/apps/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import {
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  PodTemplate,
  Secret,
  Service,
  ServiceAccount,
} from "kubernetes-models/v1";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import type { KubernetesObject } from "../infra/render/manifestFiles";
import { SHARED_DIR } from "./helpers";

/**
 * Go's regular expressions allow an inline `(?i)` (KEDA's CRD uses it), which JavaScript's do not:
 * such a pattern is checked case-sensitively instead (stricter, never looser).
 */
function goPatterns<T>(node: T): T {
  if (Array.isArray(node)) return node.map(goPatterns) as T;
  if (typeof node !== "object" || node === null) return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === "pattern" && typeof v === "string" ? v.replace("(?i)", "") : goPatterns(v),
    ]),
  ) as T;
}

/** The upstream CRD's OpenAPI schema of a served version, from ../shared/crds (absent in a user's clone). */
export function crdValidator(file: string, version: string) {
  const path = join(SHARED_DIR, "crds", file);
  if (!existsSync(path)) return undefined;
  const crd = parse(readFileSync(path, "utf8")) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] };
  };
  const schema = goPatterns(crd.spec.versions.find((v) => v.name === version)!.schema.openAPIV3Schema);
  // Kubernetes' schema dialect: x-kubernetes-* extensions and formats ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  return ajv.compile(schema);
}

export const LWS_CRD = crdValidator("leaderworkerset.x-k8s.io_leaderworkersets.yaml", "v1");
/** Karpenter's CRDs as its AWS Helm chart installs them (stricter than the kubernetes-models package). */
export const NODEPOOL_CRD = crdValidator("karpenter.sh_nodepools.yaml", "v1");
export const EC2NODECLASS_CRD = crdValidator("karpenter.k8s.aws_ec2nodeclasses.yaml", "v1");

/** Upstream CRD validators by apiVersion/kind, where ../shared has the CRD. */
const CRDS: Record<string, ReturnType<typeof crdValidator>> = {
  "karpenter.sh/v1/NodePool": NODEPOOL_CRD,
  "karpenter.k8s.aws/v1/EC2NodeClass": EC2NODECLASS_CRD,
};

/** Custom resources validated only against their upstream CRD (skipped where ../shared is absent). */
export const CRD_VALIDATORS: Record<string, ReturnType<typeof crdValidator>> = {
  "gateway.networking.k8s.io/v1/HTTPRoute": crdValidator("gateway.networking.k8s.io_httproutes.yaml", "v1"),
  "inference.networking.k8s.io/v1/InferencePool": crdValidator("inference.networking.k8s.io_inferencepools.yaml", "v1"),
  "keda.sh/v1alpha1/ScaledObject": crdValidator("keda.sh_scaledobjects.yaml", "v1alpha1"),
  "monitoring.coreos.com/v1/PrometheusRule": crdValidator("monitoring.coreos.com_prometheusrules.yaml", "v1"),
};

/** Validators from the kubernetes-models packages, by apiVersion/kind. */
const MODELS: Record<string, (o: KubernetesObject) => { validate(): void }> = {
  "v1/Namespace": (o) => new Namespace(o as never),
  "v1/Secret": (o) => new Secret(o as never),
  "v1/PersistentVolumeClaim": (o) => new PersistentVolumeClaim(o as never),
  "v1/Service": (o) => new Service(o as never),
  "v1/ConfigMap": (o) => new ConfigMap(o as never),
  "v1/PodTemplate": (o) => new PodTemplate(o as never),
  "batch/v1/Job": (o) => new Job(o as never),
  "apps/v1/Deployment": (o) => new Deployment(o as never),
  "apps/v1/DaemonSet": (o) => new DaemonSet(o as never),
  "v1/ServiceAccount": (o) => new ServiceAccount(o as never),
  "rbac.authorization.k8s.io/v1/ClusterRole": (o) => new ClusterRole(o as never),
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": (o) => new ClusterRoleBinding(o as never),
  "karpenter.sh/v1/NodePool": (o) => new NodePool(o as never),
  "policy/v1/PodDisruptionBudget": (o) => new PodDisruptionBudget(o as never),
  "monitoring.coreos.com/v1/ServiceMonitor": (o) => new ServiceMonitor(o as never),
  "external-secrets.io/v1/ExternalSecret": (o) => new ExternalSecret(o as never),
  "networking.k8s.io/v1/NetworkPolicy": (o) => new NetworkPolicy(o as never),
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": (o) => new ValidatingAdmissionPolicy(o as never),
  "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": (o) =>
    new ValidatingAdmissionPolicyBinding(o as never),
};

/**
 * Validates an object against its OpenAPI schema; throws naming the object and the violation.
 * LeaderWorkerSets are checked against the upstream CRD when ../shared is there.
 */
export function validateObject(o: KubernetesObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  if (key in CRD_VALIDATORS) {
    const validate = CRD_VALIDATORS[key];
    const candidate: unknown = o;
    if (validate && !validate(candidate)) {
      throw new Error(`${key} ${o.metadata.name} is not valid against its CRD: ${JSON.stringify(validate.errors)}`);
    }
    return;
  }
  if (key === "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet") {
    const candidate: unknown = o;
    if (LWS_CRD && !LWS_CRD(candidate)) {
      throw new Error(`${key} ${o.metadata.name} is not valid against the LWS CRD: ${JSON.stringify(LWS_CRD.errors)}`);
    }
    // The CRD leaves the pod templates to Kubernetes' own PodSpec schema.
    const t = (o as unknown as { spec: { leaderWorkerTemplate: { leaderTemplate?: object; workerTemplate: object } } })
      .spec.leaderWorkerTemplate;
    for (const template of [t.leaderTemplate, t.workerTemplate].filter(Boolean)) {
      validateObject({
        apiVersion: "v1",
        kind: "PodTemplate",
        metadata: { name: `${o.metadata.name}-template` },
        template,
      } as never);
    }
    return;
  }
  const crd = CRDS[key];
  const asUnknown: unknown = o;
  if (crd && !crd(asUnknown)) {
    throw new Error(`${key} ${o.metadata.name} is not valid against its CRD: ${JSON.stringify(crd.errors)}`);
  }
  // Only the upstream CRD describes an EC2NodeClass: without ../shared (a user's clone) it goes unchecked
  // here, like a LeaderWorkerSet, and the CRD tests that need it say why they skip.
  if (key === "karpenter.k8s.aws/v1/EC2NodeClass") return;
  const model = MODELS[key];
  if (!model) throw new Error(`no schema to validate ${key} ${o.metadata.name} against`);
  try {
    model(o).validate();
  } catch (e) {
    throw new Error(`${key} ${o.metadata.name} is not schema-valid: ${(e as Error).message}`);
  }
}
