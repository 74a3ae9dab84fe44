import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { GitopsSettings } from "./settings";

/**
 * Argo CD health checks the sync order needs (infra/render/syncOrder.ts), as a merge patch of
 * Argo CD's `argocd-cm` ConfigMap (gitops/argocd/argocd-cm-health.yaml):
 * - LeaderWorkerSet: Argo CD has no built-in check for it and would call a group Healthy as soon as
 *   it exists; this one waits for every group to be updated and ready;
 * - PersistentVolumeClaim: the built-in check waits for Bound, which a WaitForFirstConsumer claim
 *   reaches only once the Job of the next wave mounts it; claims the render marks are Healthy while
 *   Pending, every other claim is judged as before.
 * Jobs (the download) need nothing: Argo CD's built-in check is Healthy only once a Job completed.
 *
 * Keys: `resource.customizations.health.<group>_<kind>`, the kind alone for the core group (argo-cd
 * docs, operator-manual/health.md). Lua sources: infra/gitops/health/*.lua.
 */
export const HEALTH_DIR = join(__dirname, "health");

export const HEALTH_CHECKS: Readonly<Record<string, string>> = {
  "leaderworkerset.x-k8s.io_LeaderWorkerSet": "leaderWorkerSet.lua",
  PersistentVolumeClaim: "persistentVolumeClaim.lua",
};

export function healthCheckSource(key: string): string {
  return readFileSync(join(HEALTH_DIR, HEALTH_CHECKS[key]!), "utf8");
}

export function argocdHealthPatch(s: GitopsSettings) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "argocd-cm", namespace: s.argocd.namespace },
    data: Object.fromEntries(
      Object.keys(HEALTH_CHECKS).map((key) => [`resource.customizations.health.${key}`, healthCheckSource(key)]),
    ),
  };
}
