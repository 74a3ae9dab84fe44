import type { GitopsSettings } from "./settings";

/**
 * The identity the Pulumi Kubernetes Operator (v2) runs this program as: each `Stack` names a
 * ServiceAccount in its own namespace (`spec.serviceAccountName`) for its workspace pod
 * (pulumi/pulumi-kubernetes-operator, deploy/crds/pulumi.com_stacks.yaml). The workspace's agent checks
 * the operator's calls with TokenReview and SubjectAccessReview, which is what
 * `system:auth-delegator` grants; the program's own calls need the rights below.
 *
 * Least privilege where the program's kinds allow it: one ClusterRole with, for every kind of object
 * the stacks' programs register (collected from the program itself while rendering, never listed by
 * hand), the verbs `pulumi up`, `refresh` and `destroy` use on it, plus read access to what Pulumi's
 * await logic watches (Pods, ReplicaSets, Events, Endpoints) and the rules of every ClusterRole the
 * program creates (Kubernetes lets an account grant only rights it holds).
 *
 * Not least privilege, documented: a stack that installs a Helm chart with `pulumi up` (the
 * LeaderWorkerSet controller, `leaderWorkerSet.install`) creates what the chart holds, which a render
 * does not expand: CustomResourceDefinitions, webhook configurations, and ClusterRoles with rights of
 * their own. Such stacks run as a second account bound to `cluster-admin`; every other stack runs as
 * the least-privilege one. Install the controller once per cluster otherwise (gitops/addons/lws/) and
 * set `leaderWorkerSet.present`.
 */

export interface ObjectKind {
  readonly apiVersion: string;
  readonly kind: string;
}

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const WRITE = ["get", "list", "watch", "create", "update", "patch", "delete"];
const READ = ["get", "list", "watch"];

/** What Pulumi's Kubernetes provider reads while it awaits a Deployment, Job or Service to be ready. */
const AWAIT_READS: PolicyRule[] = [
  { apiGroups: [""], resources: ["endpoints", "events", "pods", "pods/log"], verbs: READ },
  { apiGroups: ["apps"], resources: ["replicasets"], verbs: READ },
];

/** The API group of an apiVersion ("" for the core group's "v1"). */
const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");

/** A kind's resource name as the API serves it: the kind in lower case, plural (every kind here takes an s). */
export function resourceOf(kind: string): string {
  const lower = kind.toLowerCase();
  return lower.endsWith("y") ? `${lower.slice(0, -1)}ies` : lower.endsWith("s") ? `${lower}es` : `${lower}s`;
}

/** Rules in a stable order: by group, resources sorted, one rule per group and verb set. */
function merge(rules: readonly PolicyRule[]): PolicyRule[] {
  const byKey = new Map<string, PolicyRule>();
  for (const r of rules) {
    for (const group of r.apiGroups) {
      const verbs = [...new Set(r.verbs)].sort();
      const key = `${group}|${verbs.join(",")}`;
      const rule = byKey.get(key) ?? { apiGroups: [group], resources: [], verbs };
      rule.resources = [...new Set([...rule.resources, ...r.resources])].sort();
      byKey.set(key, rule);
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/** The least-privilege rules for programs that register `kinds` and create `clusterRoleRules`. */
export function workspaceRules(kinds: readonly ObjectKind[], clusterRoleRules: readonly PolicyRule[]): PolicyRule[] {
  const own = kinds.map((k) => ({ apiGroups: [groupOf(k.apiVersion)], resources: [resourceOf(k.kind)], verbs: WRITE }));
  return merge([...own, ...AWAIT_READS, ...clusterRoleRules]);
}

export const WORKSPACE_ROLE = "glm-serving-workspace";
/** The account of the stacks that install Helm charts (see above). */
export const addonsAccount = (s: GitopsSettings) => `${s.pulumi.serviceAccountName}-addons`;

/** The objects of gitops/pulumi-operator/: file name -> object. */
export function workspaceObjects(s: GitopsSettings, rules: PolicyRule[], withAddons: boolean): Map<string, object> {
  const ns = s.pulumi.namespace;
  const account = (name: string) => ({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace: ns } });
  const binding = (name: string, role: string, subject: string) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: subject, namespace: ns }],
  });
  const sa = s.pulumi.serviceAccountName;
  const out = new Map<string, object>([
    ["serviceaccount.yaml", account(sa)],
    ["clusterrolebinding-auth-delegator.yaml", binding(`${sa}-auth-delegator`, "system:auth-delegator", sa)],
    [
      "clusterrole.yaml",
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: WORKSPACE_ROLE }, rules },
    ],
    ["clusterrolebinding.yaml", binding(WORKSPACE_ROLE, WORKSPACE_ROLE, sa)],
  ]);
  if (withAddons) {
    const addons = addonsAccount(s);
    out.set("serviceaccount-addons.yaml", account(addons));
    out.set(
      "clusterrolebinding-addons-auth-delegator.yaml",
      binding(`${addons}-auth-delegator`, "system:auth-delegator", addons),
    );
    out.set("clusterrolebinding-addons.yaml", binding(`${addons}-cluster-admin`, "cluster-admin", addons));
  }
  return out;
}
