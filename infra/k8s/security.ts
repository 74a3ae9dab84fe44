import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

/**
 * Security posture, one place for every builder (each applies it with a one-line spread). The checks
 * in test/posture.test.ts are kube-linter's and Polaris's defaults; what a container cannot have is
 * in that test's commented allow-list.
 */

/** Every pod: the container runtime's default seccomp profile, no service account token unless used. */
export const POD_HARDENING = {
  automountServiceAccountToken: false,
  securityContext: { seccompProfile: { type: "RuntimeDefault" } } satisfies IPodSecurityContext,
} as const;

/** A helper that only reads (waits for the cache, sends a request): no root, nothing writable but /tmp. */
export const NON_ROOT_USER = 65532;
export const READ_ONLY_HELPER: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: NON_ROOT_USER,
  runAsGroup: NON_ROOT_USER,
  // Also set on the container: in the engine's pod (no pod-level profile) its init container has one.
  seccompProfile: { type: "RuntimeDefault" },
};

/**
 * A helper that writes the weight cache: root (the files on the volume or the node's hostPath are
 * the engine's, created root-owned by the kubelet), but with no capability at all and no escalation;
 * its image's tools write to the cache and /tmp, so the root filesystem stays writable.
 */
export const ROOT_WRITER: ISecurityContext = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};

/**
 * The engine pod: no service account token (it never calls the API server). Its container keeps
 * root, the runtime's default capabilities, a writable root filesystem and no seccomp profile; why is
 * in the allow-list of test/posture.test.ts. Privilege escalation is off.
 */
export const ENGINE_POD = { automountServiceAccountToken: false } as const;
export const ENGINE: ISecurityContext = { allowPrivilegeEscalation: false };
