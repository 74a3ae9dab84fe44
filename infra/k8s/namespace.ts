import type { INamespace } from "kubernetes-models/v1/Namespace";
import type { ServingSpec } from "../config/spec";
import { labels } from "./labels";

export function namespace(spec: ServingSpec): INamespace | undefined {
  if (!spec.createNamespace) return undefined;
  return { apiVersion: "v1", kind: "Namespace", metadata: { name: spec.namespace, labels: labels(spec, "namespace") } };
}
