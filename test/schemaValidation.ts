import { NodePool } from "@kubernetes-models/karpenter/karpenter.sh/v1";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { Job } from "kubernetes-models/batch/v1";
import { Namespace, PersistentVolumeClaim, Secret, Service } from "kubernetes-models/v1";
import type { KubernetesObject } from "../infra/render/manifestFiles";

/** Validators from the kubernetes-models packages, by apiVersion/kind. */
const MODELS: Record<string, (o: KubernetesObject) => { validate(): void }> = {
  "v1/Namespace": (o) => new Namespace(o as never),
  "v1/Secret": (o) => new Secret(o as never),
  "v1/PersistentVolumeClaim": (o) => new PersistentVolumeClaim(o as never),
  "v1/Service": (o) => new Service(o as never),
  "batch/v1/Job": (o) => new Job(o as never),
  "apps/v1/Deployment": (o) => new Deployment(o as never),
  "karpenter.sh/v1/NodePool": (o) => new NodePool(o as never),
  "monitoring.coreos.com/v1/ServiceMonitor": (o) => new ServiceMonitor(o as never),
};

/** Validates an object against its OpenAPI schema; throws naming the object and the violation. */
export function validateObject(o: KubernetesObject): void {
  const key = `${o.apiVersion}/${o.kind}`;
  const model = MODELS[key];
  if (!model) throw new Error(`no schema to validate ${key} ${o.metadata.name} against`);
  try {
    model(o).validate();
  } catch (e) {
    throw new Error(`${key} ${o.metadata.name} is not schema-valid: ${(e as Error).message}`);
  }
}
