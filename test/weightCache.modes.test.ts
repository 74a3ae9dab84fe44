import { describe, expect, it } from "vitest";
import { stackManifests } from "../infra/k8s/manifests";
import { cacheLayout, DOWNLOAD_SCRIPT, LABEL_NODE_SCRIPT } from "../infra/k8s/weightCache";
import { timeBudgets } from "../infra/planner/budgets";
import { runProgram } from "../infra/render/runProgram";
import { deploymentOf, specFrom, valuesWithAuthOptOut } from "./helpers";
import { validateObject } from "./schemaValidation";
import type { KubernetesObject } from "../infra/render/manifestFiles";

const NODE_LOCAL = {
  nodePool: { provisioner: "static" },
  weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm" },
};

describe("node-local weight cache", () => {
  const m = stackManifests(specFrom(NODE_LOCAL, "local"));

  it("has no claim and no Job; a prefetch DaemonSet fills each pool node instead", () => {
    expect(m.cacheClaim).toBeUndefined();
    expect(m.downloadJob).toBeUndefined();
    const ds = m.prefetch.daemonSet!;
    const pod = ds.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-H200" });
    expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    // The hub's client first (pinned, into an emptyDir), then the download.
    expect(pod.initContainers!.map((c) => c.name)).toEqual(["install-hub-client", "download"]);
    expect(pod.initContainers![1]!.volumeMounts![0]).toEqual({
      name: "weights",
      mountPath: "/root/.cache/huggingface",
    });
    expect(pod.volumes![0]).toEqual({
      name: "weights",
      hostPath: { path: "/mnt/nvme/glm", type: "DirectoryOrCreate" },
    });
    expect(pod.serviceAccountName).toBe("local-weights-prefetch");
    const label = pod.containers[0]!;
    expect(label.env).toContainEqual({ name: "WEIGHTS_LABEL", value: "weights.glm-serving/local" });
    expect(label.env).toContainEqual({ name: "LABEL_NODE", value: LABEL_NODE_SCRIPT });
    expect(label.readinessProbe!.exec!.command).toEqual([
      "/bin/sh",
      "-c",
      'test -f "$CACHE_STATE/$(cat "$CACHE_STATE/refs/$MODEL_REVISION").complete"',
    ]);
  });

  it("the engine schedules only on nodes labelled with the pinned revision, and mounts the node's copy read-only", () => {
    const pod = deploymentOf(m).spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({
      "nvidia.com/gpu.product": "NVIDIA-H200",
      "weights.glm-serving/local": "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1",
    });
    expect(pod.volumes![0]).toEqual({
      name: "weights",
      hostPath: { path: "/mnt/nvme/glm", type: "DirectoryOrCreate" },
    });
    expect(pod.containers[0]!.volumeMounts![0]).toEqual({
      name: "weights",
      mountPath: "/root/.cache/huggingface",
      readOnly: true,
    });
  });

  it("may only get and patch nodes", () => {
    expect(m.prefetch.clusterRole!.rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }]);
    expect(m.prefetch.clusterRoleBinding!.subjects).toEqual([
      { kind: "ServiceAccount", name: "local-weights-prefetch", namespace: "local" },
    ]);
  });

  it("every object is schema-valid", () => {
    const p = m.prefetch;
    for (const o of [p.serviceAccount, p.clusterRole, p.clusterRoleBinding, p.daemonSet, m.engine, m.cacheScripts]) {
      validateObject(o as unknown as KubernetesObject);
    }
  });

  it("under pulumi up, the engine waits for the DaemonSet (every node's copy verified)", async () => {
    const { resources } = await runProgram(
      "local",
      valuesWithAuthOptOut(
        Object.fromEntries(Object.entries(NODE_LOCAL).map(([k, v]) => [`glm-serving:${k}`, JSON.stringify(v)])),
      ),
      [],
    );
    const types = resources.map((r) => r.type);
    expect(types).toEqual(
      expect.arrayContaining(["kubernetes:apps/v1:DaemonSet", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"]),
    );
    expect(types).not.toContain("kubernetes:batch/v1:Job");
    expect(types.indexOf("kubernetes:apps/v1:Deployment")).toBeGreaterThan(
      types.indexOf("kubernetes:apps/v1:DaemonSet"),
    );
  });

  describe("on a Karpenter pool", () => {
    const karpenter = stackManifests(specFrom({ weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm" } }, "k"));
    const pod = deploymentOf(karpenter).spec!.template.spec!;

    it("no DaemonSet (it would never make Karpenter launch a node): the engine's pod fills its node's cache in an init step", () => {
      expect(karpenter.prefetch.daemonSet).toBeUndefined();
      expect(karpenter.prefetch.clusterRole).toBeUndefined();
      expect(karpenter.downloadJob).toBeUndefined();
      expect(pod.initContainers!.map((c) => c.name)).toEqual([
        "install-hub-client",
        "fill-node-cache",
        "wait-for-weights",
      ]);
      const fill = pod.initContainers![1]!;
      expect(fill.command).toEqual(["/bin/sh", "-c", DOWNLOAD_SCRIPT, "download"]);
      expect(fill.volumeMounts).toEqual([
        { name: "weights", mountPath: "/root/.cache/huggingface" },
        { name: "scripts", mountPath: "/opt/glm-serving", readOnly: true },
        { name: "hub-client", mountPath: "/opt/hub-client", readOnly: true },
      ]);
      expect(pod.volumes).toContainEqual({ name: "scripts", configMap: { name: "k-weights-scripts" } });
      expect(pod.volumes).toContainEqual({
        name: "weights",
        hostPath: { path: "/mnt/nvme/glm", type: "DirectoryOrCreate" },
      });
      expect(pod.containers[0]!.volumeMounts![0]).toEqual({
        name: "weights",
        mountPath: "/root/.cache/huggingface",
        readOnly: true,
      });
    });

    it("selects the pool's nodes, not a cache label (the pod itself makes its node's copy complete)", () => {
      expect(pod.nodeSelector).toEqual({ "karpenter.sh/nodepool": "k-h200-141gb" });
    });

    it("Pulumi waits for the download as well as the start", () => {
      const spec = specFrom({ weightCache: { mode: "node-local" } }, "k");
      const b = timeBudgets(spec);
      expect(b.pulumiEngineTimeoutSeconds).toBe(b.startupSeconds + 20 * 60 + b.downloadDeadlineSeconds);
    });

    it("every object is schema-valid", () => {
      for (const o of [karpenter.engine, karpenter.cacheScripts]) validateObject(o as unknown as KubernetesObject);
    });
  });

  it("a pair needs no shared volume in node-local mode: each node has its copy", () => {
    const spec = specFrom({
      model: { id: "glm-5-w4a8", allowBranch: true },
      nodePool: { accelerator: "atlas-800-a2", provisioner: "static", nodes: 2 },
      engine: { kind: "vllm-ascend", quantization: "ascend", dataParallelSize: 2, dataParallelRpcPort: 13389 },
      weightCache: { mode: "node-local" },
      leaderWorkerSet: { present: true },
    });
    expect(stackManifests(spec).prefetch.daemonSet).toBeDefined();
  });

  describe("a pre-seeded claim", () => {
    it("is mounted instead of a new one; the Job still verifies it (downloading only what is missing)", () => {
      const m = stackManifests(specFrom({ weightCache: { existingClaim: "glm5-fp8-seeded" } }, "seeded"));
      expect(m.cacheClaim).toBeUndefined();
      expect(m.downloadJob!.spec!.template.spec!.volumes![0]).toEqual({
        name: "weights",
        persistentVolumeClaim: { claimName: "glm5-fp8-seeded", readOnly: false },
      });
      expect(deploymentOf(m).spec!.template.spec!.volumes![0]).toEqual({
        name: "weights",
        persistentVolumeClaim: { claimName: "glm5-fp8-seeded", readOnly: true },
      });
    });
  });
});

describe("where a ModelScope checkpoint is served from", () => {
  const ascend = {
    nodePool: { accelerator: "atlas-800-a2", provisioner: "static" },
    engine: { kind: "vllm-ascend", quantization: "ascend" },
  };
  it("a branch: the link the download points at the verified commit's directory", () => {
    const spec = specFrom({ ...ascend, model: { id: "glm-5-w4a8", allowBranch: true } });
    expect(cacheLayout(spec).modelArg).toBe("/root/.cache/modelscope/hub/models/Eco-Tech/GLM-5-w4a8");
  });
  it("a commit: that commit's own directory, which no other revision's download touches", () => {
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const spec = specFrom({ ...ascend, model: { id: "glm-5-w4a8", revision: commit } });
    expect(cacheLayout(spec).modelArg).toBe(`/root/.cache/modelscope/hub/revisions/Eco-Tech/GLM-5-w4a8/${commit}`);
    expect(cacheLayout(spec).env).toContainEqual({
      name: "CACHE_STATE",
      value: "/root/.cache/modelscope/.glm-serving/Eco-Tech--GLM-5-w4a8",
    });
  });
});
