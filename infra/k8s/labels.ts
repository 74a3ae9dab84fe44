import type { ServingSpec } from "../config/spec";

/** Parts of a stack, as the `app.kubernetes.io/component` label names them. */
export type Component =
  "engine" | "weight-cache" | "node-pool" | "credentials" | "namespace" | "benchmark" | "smoke-test";

/** Labels that select a component's pods; stable for the life of the stack (selectors are immutable). */
export function selectorLabels(spec: ServingSpec, component: Component): Record<string, string> {
  return {
    "app.kubernetes.io/instance": spec.name,
    "app.kubernetes.io/component": component,
  };
}

/** The recommended `app.kubernetes.io/*` labels, plus the model the stack serves. */
export function labels(spec: ServingSpec, component: Component): Record<string, string> {
  return {
    "app.kubernetes.io/name": "glm-serving",
    ...selectorLabels(spec, component),
    "app.kubernetes.io/part-of": "glm-serving",
    "app.kubernetes.io/managed-by": "pulumi",
    "glm-serving/model": spec.model.entry.id,
  };
}

/** Object names of a stack, in one place so every builder and the outputs agree. */
export function names(spec: ServingSpec) {
  return {
    namespace: spec.namespace,
    credentials: `${spec.name}-credentials`,
    nodePool: `${spec.name}-${spec.accelerator.id}`,
    cacheClaim: spec.weightCache.existingClaim ?? `${spec.name}-weights`,
    cacheScripts: `${spec.name}-weights-scripts`,
    prefetch: `${spec.name}-weights-prefetch`,
    // The prefix of the download Job's name; the rest is a hash of its immutable spec (jobIdentity.ts).
    downloadJob: `${spec.name}-weights`,
    engine: `${spec.name}-engine`,
    service: spec.name,
  };
}
