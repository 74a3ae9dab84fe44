import type { IValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import type { IValidatingAdmissionPolicyBinding } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding";
import type { ServingSpec } from "../config/spec";
import { labels, names } from "./labels";
import { weightsLabel } from "./weightCache";

/**
 * RBAC cannot say "only your own node": the prefetch account's ClusterRole may patch every node. This
 * ValidatingAdmissionPolicy narrows it: a node update by that account must come from a pod on that very
 * node and may change nothing but the stack's weights label. A service account token bound to a pod
 * names the pod's node in the user's extra `authentication.kubernetes.io/node-name` (Kubernetes 1.30+,
 * ServiceAccountTokenPodNodeInfo); a token without it is refused.
 */
const NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

function policyName(spec: ServingSpec): string {
  return `${spec.namespace}-${names(spec).prefetch}-own-node`;
}

export function prefetchNodePolicy(spec: ServingSpec): IValidatingAdmissionPolicy | undefined {
  if (spec.weightCache.mode !== "node-local") return undefined;
  const user = `system:serviceaccount:${spec.namespace}:${names(spec).prefetch}`;
  const label = JSON.stringify(weightsLabel(spec).key);
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: policyName(spec), labels: labels(spec, "weight-cache") },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: {
        resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["UPDATE"], resources: ["nodes"] }],
      },
      matchConditions: [
        { name: "prefetch-account", expression: `request.userInfo.username == ${JSON.stringify(user)}` },
      ],
      validations: [
        {
          expression: `${JSON.stringify(NODE_NAME_EXTRA)} in request.userInfo.extra && request.userInfo.extra[${JSON.stringify(NODE_NAME_EXTRA)}][0] == object.metadata.name`,
          message: "the prefetch account may label only the node its pod runs on",
        },
        {
          expression: [
            "object.spec == oldObject.spec",
            `object.metadata.labels.all(k, k == ${label} || (k in oldObject.metadata.labels && oldObject.metadata.labels[k] == object.metadata.labels[k]))`,
            `oldObject.metadata.labels.all(k, k == ${label} || k in object.metadata.labels)`,
          ].join(" && "),
          message: `the prefetch account may change only the label ${weightsLabel(spec).key}`,
        },
      ],
    },
  };
}

export function prefetchNodePolicyBinding(spec: ServingSpec): IValidatingAdmissionPolicyBinding | undefined {
  if (spec.weightCache.mode !== "node-local") return undefined;
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: policyName(spec), labels: labels(spec, "weight-cache") },
    spec: { policyName: policyName(spec), validationActions: ["Deny"] },
  };
}
