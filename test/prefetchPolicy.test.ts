import { describe, expect, it } from "vitest";
import { stackManifests } from "../infra/k8s/manifests";
import { specFrom } from "./helpers";
import { validateObject } from "./schemaValidation";
import type { KubernetesObject } from "../infra/render/manifestFiles";

/** The node-local prefetch account may label only its own node, and only with the stack's label. */
const spec = specFrom({
  weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm" },
  nodePool: { provisioner: "static" },
});
const m = stackManifests(spec);

describe("prefetch: own node only, no token for the download", () => {
  it("a ValidatingAdmissionPolicy narrows the ClusterRole to the pod's own node and the weights label", () => {
    const policy = m.prefetch.nodePolicy!;
    validateObject(policy as KubernetesObject);
    validateObject(m.prefetch.nodePolicyBinding as KubernetesObject);
    expect(policy.spec!.matchConditions).toEqual([
      {
        name: "prefetch-account",
        expression: 'request.userInfo.username == "system:serviceaccount:test:test-weights-prefetch"',
      },
    ]);
    expect(m.prefetch.clusterRoleBinding!.subjects).toEqual([
      { kind: "ServiceAccount", name: "test-weights-prefetch", namespace: "test" },
    ]);
    expect(policy.spec!.validations!.map((v) => v.expression)).toEqual([
      '"authentication.kubernetes.io/node-name" in request.userInfo.extra && request.userInfo.extra["authentication.kubernetes.io/node-name"][0] == object.metadata.name',
      'object.spec == oldObject.spec && object.metadata.labels.all(k, k == "weights.glm-serving/test" || (k in oldObject.metadata.labels && oldObject.metadata.labels[k] == object.metadata.labels[k])) && oldObject.metadata.labels.all(k, k == "weights.glm-serving/test" || k in object.metadata.labels)',
    ]);
    expect(m.prefetch.nodePolicyBinding!.spec).toEqual({
      policyName: policy.metadata!.name,
      validationActions: ["Deny"],
    });
  });

  it("the pod mounts no token; label-node alone gets the projected one", () => {
    const pod = m.prefetch.daemonSet!.spec!.template.spec!;
    expect(pod.automountServiceAccountToken).toBe(false);
    const mounts = (name: string) =>
      [...(pod.initContainers ?? []), ...pod.containers]
        .find((c) => c.name === name)!
        .volumeMounts!.map((v) => v.mountPath);
    expect(mounts("download")).not.toContain("/var/run/secrets/kubernetes.io/serviceaccount");
    expect(mounts("label-node")).toContain("/var/run/secrets/kubernetes.io/serviceaccount");
    expect(pod.volumes!.find((v) => v.name === "api-token")!.projected!.sources!.map((s) => Object.keys(s)[0])).toEqual(
      ["serviceAccountToken", "configMap", "downwardAPI"],
    );
  });

  it("a volume-mode stack has neither", () => {
    const volume = stackManifests(specFrom({ weightCache: { mode: "volume" } }));
    expect(volume.prefetch.nodePolicy).toBeUndefined();
    expect(volume.prefetch.nodePolicyBinding).toBeUndefined();
  });
});
