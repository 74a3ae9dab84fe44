import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { RegisteredResource } from "./runProgram";

/**
 * Turns the resources a program registered into the Kubernetes objects it would apply, one YAML
 * file each, byte-for-byte reproducible: stable file names, stable key order, no timestamps.
 */

export type KubernetesObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

/** What stands in a rendered file where the program passed a Pulumi secret. */
export const REDACTED = "<redacted: Pulumi secret, set by `pulumi up`>";

/** Every leaf of a value replaced by REDACTED, keeping its shape (a Secret keeps its keys). */
function redactLeaves(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactLeaves);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactLeaves(v)]));
  }
  return REDACTED;
}

/** Replaces every Pulumi secret in a value by REDACTED. */
export function redactSecrets(value: unknown): unknown {
  if (pulumi.runtime.isRpcSecret(value)) return redactLeaves(pulumi.runtime.unwrapRpcSecret(value));
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}

/** A Kubernetes object the program applies (not a provider, a component, or a Helm chart). */
function isObject(r: RegisteredResource): boolean {
  return (
    r.type.startsWith("kubernetes:") &&
    typeof r.inputs["apiVersion"] === "string" &&
    typeof r.inputs["kind"] === "string"
  );
}

const isChart = (r: RegisteredResource) => r.type === "kubernetes:helm.sh/v4:Chart";

/**
 * Kubernetes objects among the registered resources. The namespace of an add-on chart goes with
 * the chart (its GitOps Application creates it), not with every stack that needs the add-on: two
 * stacks' Applications would otherwise both claim it.
 */
export function kubernetesObjects(resources: readonly RegisteredResource[]): KubernetesObject[] {
  return renderedResources(resources).map((r) => redactSecrets(r.inputs) as KubernetesObject);
}

/** Every Kubernetes object the program registers, written by a render or not (an add-on's namespace). */
export function objectResources(resources: readonly RegisteredResource[]): RegisteredResource[] {
  return resources.filter(isObject);
}

/** The registered resources that kubernetesObjects writes. */
export function renderedResources(resources: readonly RegisteredResource[]): RegisteredResource[] {
  const chartNamespaces = new Set(resources.filter(isChart).map((r) => String(r.inputs["namespace"])));
  const nameOf = (r: RegisteredResource) => r.inputs["metadata"] as { name?: unknown; namespace?: unknown } | undefined;
  // An add-on chart's own namespace goes with its Application; a chart installed into the stack's
  // namespace (the router) leaves that namespace, which holds the stack's objects, where it is.
  const used = new Set(
    resources
      .filter(isObject)
      .map((r) => nameOf(r)?.namespace)
      .filter((n) => n !== undefined)
      .map(String),
  );
  return resources
    .filter(isObject)
    .filter(
      (r) =>
        !(
          r.inputs["kind"] === "Namespace" &&
          chartNamespaces.has(String(nameOf(r)?.name)) &&
          !used.has(String(nameOf(r)?.name))
        ),
    );
}

/** Helm charts the program installs (applied by `pulumi up`; GitOps installs them on its own). */
export function helmCharts(resources: readonly RegisteredResource[]): string[] {
  return resources
    .filter(isChart)
    .map(
      (r) =>
        `${String(r.inputs["chart"])} ${String(r.inputs["version"])} in namespace ${String(r.inputs["namespace"])}`,
    );
}

/** apiVersion, kind, metadata first; inside any mapping `name` first; everything else sorted. */
export function canonicalize(value: unknown, top = true): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalize(v, false));
  if (value === null || typeof value !== "object") return value;
  const head = top ? ["apiVersion", "kind", "metadata"] : ["name"];
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  const rank = (k: string) => (head.includes(k) ? head.indexOf(k) : head.length);
  entries.sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, canonicalize(v, false)]));
}

/** Apply order, as `kubectl apply -f <dir>` follows file names: namespace first, workloads last. */
const KIND_ORDER: Readonly<Record<string, number>> = {
  Namespace: 0,
  Secret: 10,
  ExternalSecret: 10,
  ServiceAccount: 12,
  ClusterRole: 13,
  ClusterRoleBinding: 14,
  ValidatingAdmissionPolicy: 14,
  ValidatingAdmissionPolicyBinding: 14,
  ConfigMap: 15,
  NetworkPolicy: 16,
  EC2NodeClass: 19,
  NodePool: 20,
  PersistentVolumeClaim: 30,
  Job: 40,
  DaemonSet: 45,
  Deployment: 50,
  LeaderWorkerSet: 50,
  PodDisruptionBudget: 55,
  Service: 60,
  HTTPRoute: 65,
  ServiceMonitor: 70,
  PrometheusRule: 70,
  ScaledObject: 75,
};

export function fileName(obj: KubernetesObject): string {
  const order = String(KIND_ORDER[obj.kind] ?? 99).padStart(2, "0");
  return `${order}-${obj.kind.toLowerCase()}-${obj.metadata.name}.yaml`;
}

/** First line of every rendered file; a re-render replaces only files that start with it. */
export const RENDER_HEADER = "# Rendered by glm-serving from ";

export function toYaml(obj: KubernetesObject, source: string): string {
  return `${RENDER_HEADER}${source}. Do not edit: change the stack and render again.\n${stringify(canonicalize(obj), {
    lineWidth: 0,
    aliasDuplicateObjects: false,
  })}`;
}

/** File name -> contents, sorted by name. */
export function manifestFiles(objects: readonly KubernetesObject[], source: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const obj of objects) {
    const name = fileName(obj);
    if (files.has(name)) throw new Error(`two objects render to ${name}`);
    files.set(name, toYaml(obj, source));
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * A Compose file, with the header every rendered file carries (a YAML comment, which Compose ignores).
 * Written as YAML 1.1, which quotes what 1.1 readers would take for booleans (`restart: "no"`).
 */
export function composeYaml(compose: Record<string, unknown>, source: string): string {
  return `${RENDER_HEADER}${source}. Do not edit: change the stack and render again.\n${stringify(compose, {
    lineWidth: 0,
    aliasDuplicateObjects: false,
    version: "1.1",
  })}`;
}

/** Docker resources of a single-host stack (target: docker), as documents: type, name and inputs. */
export interface DockerDocument {
  resource: string;
  name: string;
  inputs: Record<string, unknown>;
}

const DOCKER_ORDER: Readonly<Record<string, number>> = { remoteImage: 10, volume: 20, container: 50 };

export function dockerDocuments(resources: readonly RegisteredResource[]): DockerDocument[] {
  return resources
    .filter((r) => r.type.startsWith("docker:index/"))
    .map((r) => ({ resource: r.type, name: r.name, inputs: redactSecrets(r.inputs) as Record<string, unknown> }));
}

/** File name -> contents of the Docker documents, named like the Kubernetes files (apply order first). */
export function dockerFiles(docs: readonly DockerDocument[], source: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const d of docs) {
    const kind = d.resource.split(":").pop()!;
    const key = kind.charAt(0).toLowerCase() + kind.slice(1);
    const order = String(DOCKER_ORDER[key] ?? 99).padStart(2, "0");
    files.set(
      `${order}-docker-${kind.toLowerCase()}-${d.name}.yaml`,
      `${RENDER_HEADER}${source}. Do not edit: change the stack and render again.\n${stringify(
        { resource: d.resource, name: d.name, inputs: canonicalize(d.inputs, false) },
        { lineWidth: 0, aliasDuplicateObjects: false },
      )}`,
    );
  }
  return new Map([...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}
