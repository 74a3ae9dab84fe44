import { describe, expect, it } from "vitest";
import { stackNames } from "../infra/render/renderAll";
import { stackManifests } from "../infra/k8s/manifests";
import type { KubernetesObject } from "../infra/render/manifestFiles";
import { HAVE_SHARED, SKIP_SHARED_REASON, specFrom, stackSpec, STACKS_DIR } from "./helpers";
import { validateObject } from "./schemaValidation";

/** The four-node H100 layout `npm run plan` offers for GLM-5 FP8: DP4 x TP8 over 4 x 8 GPUs. */
const FOUR_H100 = {
  nodePool: { accelerator: "h100-80gb", nodes: 4 },
  engine: { dataParallelSize: 4, dataParallelRpcPort: 13389, enableExpertParallel: true },
  weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "fsx", type: "fsx-lustre" } },
  leaderWorkerSet: { present: true },
};

describe("Karpenter", () => {
  it("a four-node group's NodePool admits four nodes (replicas x group nodes x devices)", () => {
    const m = stackManifests(specFrom(FOUR_H100, "four"));
    expect(m.nodePool!.spec!.limits).toEqual({ "nvidia.com/gpu": "32" });
    // Two replicas of the group: eight nodes.
    const two = stackManifests(specFrom({ ...FOUR_H100, pod: { replicas: 2 } }, "four"));
    expect(two.nodePool!.spec!.limits).toEqual({ "nvidia.com/gpu": "64" });
  });

  it("refuses a maxNodes below what serving needs", () => {
    expect(() => specFrom({ ...FOUR_H100, nodePool: { ...FOUR_H100.nodePool, karpenter: { maxNodes: 1 } } })).toThrow(
      "at least pod.replicas x nodePool.nodes = 1 x 4 = 4",
    );
  });

  it("every shipped Kubernetes stack: engine pods carry do-not-disrupt, and a PDB selects them", () => {
    for (const stack of stackNames(STACKS_DIR).filter((s) => s !== "h200-docker")) {
      const m = stackManifests(stackSpec(stack));
      const templates =
        m.engine.kind === "Deployment"
          ? [m.engine.spec!.template]
          : [m.engine.spec.leaderWorkerTemplate.leaderTemplate!, m.engine.spec.leaderWorkerTemplate.workerTemplate];
      for (const t of templates) {
        expect(t.metadata!.annotations).toMatchObject({ "karpenter.sh/do-not-disrupt": "true" });
        expect(m.disruptionBudget.spec!.selector!.matchLabels).toEqual(
          Object.fromEntries(
            Object.entries(t.metadata!.labels!).filter(([k]) => k in m.disruptionBudget.spec!.selector!.matchLabels!),
          ),
        );
      }
      expect(m.disruptionBudget.spec).toMatchObject({ maxUnavailable: 0, unhealthyPodEvictionPolicy: "AlwaysAllow" });
      expect(m.disruptionBudget.metadata!.namespace).toBe(stack);
      validateObject(m.disruptionBudget as unknown as KubernetesObject);
    }
  });

  it("NodePools never take a serving node: only empty nodes go, one at a time, never for drift", () => {
    const pool = stackManifests(stackSpec("h200-fp8")).nodePool!;
    expect(pool.spec!.disruption).toEqual({
      consolidationPolicy: "WhenEmpty",
      consolidateAfter: "30m",
      budgets: [
        { nodes: "0", reasons: ["Drifted", "Underutilized"] },
        { nodes: "1", reasons: ["Empty"] },
      ],
    });
  });

  it.skipIf(!HAVE_SHARED)(
    `a declared EC2NodeClass: NVIDIA AL2023 alias, sized root volume, RAID0 NVMe, reservations (${HAVE_SHARED ? "upstream CRD" : SKIP_SHARED_REASON})`,
    () => {
      const spec = specFrom(
        {
          nodePool: {
            zone: "us-east-2b",
            karpenter: {
              capacityTypes: ["reserved", "on-demand"],
              nodeClass: {
                declare: {
                  role: "KarpenterNodeRole-gpu",
                  discoveryTag: "gpu-cluster",
                  capacityReservationIds: ["cr-0123456789abcdef0"],
                },
              },
            },
          },
        },
        "h200",
      );
      const m = stackManifests(spec);
      expect(m.nodeClass).toEqual({
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: "h200-h200-141gb", labels: expect.any(Object) },
        spec: {
          role: "KarpenterNodeRole-gpu",
          amiSelectorTerms: [{ alias: "al2023@v20251110" }],
          subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "gpu-cluster" } }],
          securityGroupSelectorTerms: [{ tags: { "karpenter.sh/discovery": "gpu-cluster" } }],
          blockDeviceMappings: [
            {
              deviceName: "/dev/xvda",
              rootVolume: true,
              ebs: { volumeSize: "500Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true },
            },
          ],
          instanceStorePolicy: "RAID0",
          capacityReservationSelectorTerms: [{ id: "cr-0123456789abcdef0" }],
        },
      });
      // The NodePool refers to it, and is pinned to the accelerators' zone.
      expect(m.nodePool!.spec!.template.spec.nodeClassRef).toEqual({
        group: "karpenter.k8s.aws",
        kind: "EC2NodeClass",
        name: "h200-h200-141gb",
      });
      expect(m.nodePool!.spec!.template.spec.requirements).toContainEqual({
        key: "topology.kubernetes.io/zone",
        operator: "In",
        values: ["us-east-2b"],
      });
      validateObject(m.nodeClass as unknown as KubernetesObject);
      validateObject(m.nodePool as unknown as KubernetesObject);
    },
  );

  it("an existing node class is referred to, not declared", () => {
    const m = stackManifests(specFrom({ nodePool: { karpenter: { nodeClass: { name: "gpu" } } } }, "s"));
    expect(m.nodeClass).toBeUndefined();
    expect(m.nodePool!.spec!.template.spec.nodeClassRef.name).toBe("gpu");
  });

  it("a latest AMI alias is refused: every node would drift at each release", () => {
    expect(() =>
      specFrom({
        nodePool: {
          karpenter: { nodeClass: { declare: { role: "r", discoveryTag: "c", amiAlias: "al2023@latest" } } },
        },
      }),
    ).toThrow('a pinned AL2023 release, e.g. "al2023@v20251110" (not latest)');
  });
});

describe("placement of the download", () => {
  it("zone: a ReadWriteMany cache is filled from any node of the accelerators' zone", () => {
    const m = stackManifests(
      specFrom(
        {
          nodePool: { zone: "us-east-2b" },
          weightCache: {
            accessMode: "ReadWriteMany",
            storageClass: { name: "fsx", type: "fsx-lustre" },
            downloadOn: "zone",
          },
        },
        "z",
      ),
    );
    const pod = m.downloadJob!.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ "topology.kubernetes.io/zone": "us-east-2b" });
    expect(pod.tolerations).toBeUndefined();
    expect(pod.affinity).toBeUndefined();
  });

  it("a static pool: on the pool's labelled nodes, with a ReadWriteMany volume no engine node is preferred", () => {
    const m = stackManifests(stackSpec("a3-bf16-pair"));
    const pod = m.downloadJob!.spec!.template.spec!;
    expect(pod.nodeSelector).toEqual({ accelerator: "huawei-Ascend910", "accelerator-type": "module-a3-16" });
    expect(pod.tolerations).toEqual([{ key: "huawei.com/Ascend910", operator: "Exists", effect: "NoSchedule" }]);
    expect(pod.affinity).toBeUndefined();
  });
});
