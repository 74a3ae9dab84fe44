import { describe, expect, it } from "vitest";
import { stackManifests } from "../infra/k8s/manifests";
import { containerScript } from "../infra/containerScripts";
import { WAIT_FOR_CACHE_SCRIPT } from "../infra/k8s/weightCache";
import { compileCacheKey } from "../infra/k8s/compileCache";
import { scheduling } from "../infra/k8s/nodePool";
import { curlCommand, stackOutputs } from "../infra/components/outputs";
import { timeBudgets } from "../infra/planner/budgets";
import { loadSpec } from "../infra/config/load";
import { readStackFile } from "../infra/render/stackFile";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deploymentOf, leaderWorkerSetOf, REPO_ROOT, specFrom, STACKS_DIR } from "./helpers";

/** h200-fp8's engine on a network volume (the stack itself defaults to its nodes' NVMe, see below). */
const h200 = () =>
  specFrom(
    {
      engine: { speculative: { method: "mtp", numSpeculativeTokens: 1 }, gpuMemoryUtilization: 0.85 },
      weightCache: { mode: "volume" },
    },
    "h200-fp8",
  );

describe("time budgets derived from the checkpoint", () => {
  it("h200-fp8 on a volume: 756.16 GB read at 125 MB/s (an EBS gp3 volume) plus 20 min warm-up", () => {
    expect(timeBudgets(h200())).toEqual({
      readWeightsSeconds: 6050,
      startupSeconds: 7250,
      startupProbe: { periodSeconds: 10, failureThreshold: 725 },
      downloadDeadlineSeconds: 21174,
      pulumiJobTimeoutSeconds: 22374,
      pulumiEngineTimeoutSeconds: 8450,
      // Cache wait (the download deadline) + startup + a node and an image pull, not the default 600 s.
      progressDeadlineSeconds: 21174 + 7250 + 1200,
    });
    expect(deploymentOf(stackManifests(h200())).spec!.progressDeadlineSeconds).toBe(29624);
  });

  it("a3-bf16-pair: 1.51 TB of BF16 weights, read by both nodes at once, downloaded once", () => {
    const f = readStackFile(STACKS_DIR, "a3-bf16-pair");
    const spec = loadSpec({ stack: "a3-bf16-pair", values: f.values, secretKeys: new Set(f.secretKeys) });
    expect(timeBudgets(spec)).toEqual({
      // Both nodes read the whole checkpoint from the one shared volume at once: half the rate each.
      readWeightsSeconds: 24124,
      startupSeconds: 25324,
      startupProbe: { periodSeconds: 10, failureThreshold: 2533 },
      downloadDeadlineSeconds: 42217,
      pulumiJobTimeoutSeconds: 43417,
      pulumiEngineTimeoutSeconds: 26524,
      progressDeadlineSeconds: 42217 + 25324 + 1200,
    });
    // Both nodes' pods wait on the one download; the group's leader probes with the same budget.
    const lws = leaderWorkerSetOf(stackManifests(spec));
    expect(lws.spec.leaderWorkerTemplate.leaderTemplate!.spec.containers[0]!.startupProbe!.failureThreshold).toBe(2533);
    expect(lws.spec.leaderWorkerTemplate.workerTemplate.spec.initContainers![0]!.name).toBe("wait-for-weights");
  });

  it("replicas on one shared volume share its bandwidth; node-local disks do not", () => {
    const pool3 = { nodePool: { karpenter: { maxNodes: 3 } } };
    const one = timeBudgets(specFrom({ weightCache: { mode: "volume" } }));
    const three = timeBudgets(
      specFrom({
        pod: { replicas: 3 },
        weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "efs", type: "efs" } },
        ...pool3,
      }),
    );
    expect(three.readWeightsSeconds).toBe(3 * one.readWeightsSeconds);
    // The download reads the checkpoint once to verify it, however many pods will serve it.
    expect(three.downloadDeadlineSeconds).toBe(one.downloadDeadlineSeconds);
    const local = timeBudgets(
      specFrom({
        pod: { replicas: 3 },
        weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm" },
        nodePool: { provisioner: "static" },
      }),
    );
    // Each node reads its own copy (at the NVMe estimate, 4,000 MB/s, as no bandwidth is stated).
    expect(local.readWeightsSeconds).toBe(190);
    const localAtVolumeSpeed = timeBudgets(
      specFrom({
        pod: { replicas: 3 },
        weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm", readBandwidthMBps: 125 },
        nodePool: { provisioner: "static" },
      }),
    );
    expect(localAtVolumeSpeed.readWeightsSeconds).toBe(one.readWeightsSeconds);
  });

  it("scale with bandwidth: a faster volume shortens the startup budget", () => {
    const fast = timeBudgets(specFrom({ weightCache: { mode: "volume", readBandwidthMBps: 2000 } }));
    expect(fast.readWeightsSeconds).toBe(379);
    expect(fast.startupProbe.failureThreshold).toBe(158);
  });
});

describe("engine Deployment", () => {
  const m = stackManifests(h200());
  const engineDeployment = deploymentOf(m);
  const pod = engineDeployment.spec!.template.spec!;
  const engine = pod.containers[0]!;

  it("requests exactly the node's 8 GPUs, with requests equal to limits", () => {
    expect(engine.resources).toEqual({
      requests: { cpu: "32", memory: "256Gi", "nvidia.com/gpu": "8" },
      limits: { cpu: "32", memory: "256Gi", "nvidia.com/gpu": "8" },
    });
  });

  it("recreates instead of rolling (no second 8-GPU node for a surge pod)", () => {
    expect(engineDeployment.spec!.strategy).toEqual({ type: "Recreate" });
  });

  it("has a startup probe covering the load, and probes that cannot kill a loading server", () => {
    expect(engine.startupProbe).toEqual({
      httpGet: { path: "/health", port: "http" },
      timeoutSeconds: 5,
      periodSeconds: 10,
      failureThreshold: 725,
    });
    expect(engine.readinessProbe!.httpGet!.path).toBe("/health");
    expect(engine.livenessProbe).toEqual({
      httpGet: { path: "/health", port: "http" },
      periodSeconds: 30,
      timeoutSeconds: 10,
      failureThreshold: 5,
    });
    // Liveness only starts once the startup probe passed, and its budget is far above one probe period.
    expect(engine.startupProbe!.periodSeconds! * engine.startupProbe!.failureThreshold!).toBeGreaterThanOrEqual(
      timeBudgets(h200()).startupSeconds,
    );
  });

  it("mounts the cache read-only as the Hugging Face cache, a memory-backed /dev/shm, and its compile-cache directory writable", () => {
    const key = compileCacheKey(h200(), engine.image!);
    expect(key).toMatch(/^h200-141gb-vllm-[0-9a-f]{16}$/);
    expect(engine.volumeMounts).toEqual([
      { name: "weights", mountPath: "/root/.cache/huggingface", readOnly: true },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "compile-cache", mountPath: "/var/cache/glm-serving-compile", subPath: `.glm-serving/compile/${key}` },
    ]);
    expect(pod.volumes).toEqual([
      { name: "weights", persistentVolumeClaim: { claimName: "h200-fp8-weights", readOnly: true } },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "16Gi" } },
      { name: "compile-cache", persistentVolumeClaim: { claimName: "h200-fp8-weights" } },
    ]);
  });

  it("waits for the pinned revision in the cache before the engine starts", () => {
    const init = pod.initContainers![0]!;
    expect(init.name).toBe("wait-for-weights");
    expect(init.env).toContainEqual({ name: "MODEL_REVISION", value: "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1" });
    expect(init.env).toContainEqual({
      name: "CACHE_STATE",
      value: "/root/.cache/huggingface/.glm-serving/zai-org--GLM-5-FP8",
    });
    expect(init.command).toEqual(["python3", "-c", WAIT_FOR_CACHE_SCRIPT]);
    expect(init.volumeMounts).toEqual([{ name: "weights", mountPath: "/root/.cache/huggingface", readOnly: true }]);
  });

  it("runs on the pool's nodes and tolerates its taint", () => {
    expect(pod.nodeSelector).toEqual({ "karpenter.sh/nodepool": "h200-fp8-h200-141gb" });
    expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
  });

  it("carries the app.kubernetes.io labels and selects on the stable ones", () => {
    expect(engineDeployment.metadata!.labels).toEqual({
      "app.kubernetes.io/name": "glm-serving",
      "app.kubernetes.io/instance": "h200-fp8",
      "app.kubernetes.io/component": "engine",
      "app.kubernetes.io/part-of": "glm-serving",
      "app.kubernetes.io/managed-by": "pulumi",
      "glm-serving/model": "glm-5-fp8",
    });
    expect(engineDeployment.spec!.selector).toEqual({
      matchLabels: { "app.kubernetes.io/instance": "h200-fp8", "app.kubernetes.io/component": "engine" },
    });
    // The Service selects the pod that serves the API: the only one on a single node, a group's leader.
    expect(m.service.spec!.selector).toEqual({
      ...engineDeployment.spec!.selector!.matchLabels,
      "glm-serving/role": "leader",
    });
    expect(engineDeployment.spec!.template.metadata!.labels!["glm-serving/role"]).toBe("leader");
  });

  it("tells Pulumi to wait as long as node provisioning plus the startup budget", () => {
    expect(engineDeployment.metadata!.annotations).toEqual({ "pulumi.com/timeoutSeconds": "8450" });
  });
});

describe("weight cache", () => {
  it("sizes the claim from the catalog with headroom, in the configured class and mode", () => {
    const m = stackManifests(
      specFrom({
        weightCache: {
          storageClass: { name: "fsx-lustre", type: "fsx-lustre" },
          accessMode: "ReadWriteMany",
          headroomPercent: 20,
        },
      }),
    );
    expect(m.cacheClaim!.spec).toEqual({
      accessModes: ["ReadWriteMany"],
      storageClassName: "fsx-lustre",
      // Two revisions side by side (a revision change downloads next to the verified one) + 20%.
      resources: { requests: { storage: "1550Gi" } },
    });
  });

  it("downloads the pinned revision, resumably, with the token from the Secret when there is one", () => {
    const spec = specFrom(
      {
        hfToken: "t",
        weightCache: {
          mode: "volume",
          allowPatterns: ["*.safetensors", "*.json"],
          endpoint: "https://hf-mirror.example.com",
        },
      },
      "s",
      ["hfToken"],
    );
    const job = stackManifests(spec).downloadJob!;
    const c = job.spec!.template.spec!.containers[0]!;
    // Named after a hash of its immutable spec (test/updateSafety.test.ts checks what changes it).
    expect(job.metadata!.name).toMatch(/^s-weights-[0-9a-f]{8}$/);
    // Its own pinned image, never the engine's; the hub's client installed at pinned versions first.
    expect(c.image).toBe("docker.io/library/python:3.12.12-slim-bookworm");
    expect(job.spec!.template.spec!.initContainers!.map((i) => [i.name, i.image, ...i.args!])).toEqual([
      [
        "install-hub-client",
        "docker.io/library/python:3.12.12-slim-bookworm",
        "huggingface-hub==2.4.0",
        "hf-xet==1.8.0",
      ],
    ]);
    // Placed on the engine's pool (the volume is born where the engine runs), next to the engine when
    // one holds the ReadWriteOnce volume already; never disrupted by Karpenter mid-download.
    expect(job.spec!.template.spec!.nodeSelector).toEqual({ "karpenter.sh/nodepool": "s-h200-141gb" });
    expect(job.spec!.template.spec!.tolerations).toEqual([
      { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(
      job.spec!.template.spec!.affinity!.podAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!
        .podAffinityTerm,
    ).toEqual({
      labelSelector: { matchLabels: { "app.kubernetes.io/instance": "s", "app.kubernetes.io/component": "engine" } },
      topologyKey: "kubernetes.io/hostname",
    });
    expect(job.spec!.template.metadata!.annotations!["karpenter.sh/do-not-disrupt"]).toBe("true");
    expect(job.spec!.template.spec!.restartPolicy).toBe("OnFailure");
    expect(job.spec!.activeDeadlineSeconds).toBe(21174);
    expect(c.command!.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(c.command).toEqual(["/bin/sh", "-c", 'set -eu\nexec python3 "$SCRIPTS/weight_cache.py" "$@"\n', "download"]);
    expect(c.args).toEqual(["--include", "*.safetensors", "*.json"]);
    expect(c.env).toEqual([
      { name: "HF_HOME", value: "/root/.cache/huggingface" },
      { name: "MODEL_HUB", value: "huggingface" },
      { name: "MODEL_REPO", value: "zai-org/GLM-5-FP8" },
      { name: "MODEL_REVISION", value: "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1" },
      { name: "CACHE_ROOT", value: "/root/.cache/huggingface" },
      { name: "CACHE_STATE", value: "/root/.cache/huggingface/.glm-serving/zai-org--GLM-5-FP8" },
      { name: "SCRIPTS", value: "/opt/glm-serving" },
      { name: "STACK_NAME", value: "s" },
      { name: "STALL_SECONDS", value: "600" },
      { name: "ALLOW_PATTERNS", value: "*.safetensors *.json" },
      { name: "HF_XET_HIGH_PERFORMANCE", value: "1" },
      { name: "HF_ENDPOINT", value: "https://hf-mirror.example.com" },
      { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "s-credentials", key: "hf-token" } } },
      { name: "PYTHONPATH", value: "/opt/hub-client" },
      { name: "PATH", value: "/opt/hub-client/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: "weights", mountPath: "/root/.cache/huggingface" },
      { name: "scripts", mountPath: "/opt/glm-serving", readOnly: true },
      { name: "hub-client", mountPath: "/opt/hub-client", readOnly: true },
    ]);
    // The verifier the Job runs is the one the tests run (infra/containerScripts).
    const scripts = stackManifests(spec).cacheScripts;
    expect(Object.keys(scripts.data!)).toEqual([
      "hub_manifest.py",
      "mirror_to_bucket.py",
      "verify_checkpoint.py",
      "weight_cache.py",
    ]);
    expect(job.spec!.template.spec!.volumes![1]).toEqual({ name: "scripts", configMap: { name: "s-weights-scripts" } });
  });

  it("the ConfigMap holds the scripts as infra/containerScripts ships them (the download step runs them)", () => {
    const scripts = stackManifests(h200()).cacheScripts;
    const file = (f: string) => readFileSync(join(REPO_ROOT, "infra", "containerScripts", f), "utf8");
    for (const f of ["hub_manifest.py", "verify_checkpoint.py", "weight_cache.py"] as const) {
      expect(scripts.data![f]).toBe(containerScript(f));
    }
    // Two are the files as they are; weight_cache.py gets its shared helpers put in place.
    expect(scripts.data!["hub_manifest.py"]).toBe(file("hub_manifest.py"));
    expect(scripts.data!["verify_checkpoint.py"]).toBe(file("verify_checkpoint.py"));
    expect(file("weight_cache.py")).toContain(
      "\nfrom glm_serving_common import write_atomic, read, read_json, remove\n",
    );
    expect(scripts.data!["weight_cache.py"]).not.toContain("glm_serving_common");
    expect(scripts.data!["weight_cache.py"]).toContain("\n\n\ndef read_json(path):\n    text = read(path)\n");
  });
});

describe("node pool", () => {
  it("karpenter: a v1 NodePool for the accelerator's instance types, limited to whole nodes", () => {
    const pool = stackManifests(
      specFrom({ nodePool: { karpenter: { maxNodes: 2, nodeClass: { name: "gpu" } } } }, "s"),
    ).nodePool!;
    expect(pool.metadata!.name).toBe("s-h200-141gb");
    expect(pool.spec).toEqual({
      template: {
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "gpu" },
          requirements: [
            { key: "node.kubernetes.io/instance-type", operator: "In", values: ["p5en.48xlarge", "p5e.48xlarge"] },
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
          ],
          taints: [{ key: "nvidia.com/gpu", effect: "NoSchedule" }],
          expireAfter: "Never",
        },
      },
      limits: { "nvidia.com/gpu": "16" },
      disruption: {
        consolidationPolicy: "WhenEmpty",
        consolidateAfter: "30m",
        budgets: [
          { nodes: "0", reasons: ["Drifted", "Underutilized"] },
          { nodes: "1", reasons: ["Empty"] },
        ],
      },
    });
  });

  it("static: no NodePool, the engine selects existing nodes by label", () => {
    const spec = specFrom({
      nodePool: { provisioner: "static", accelerator: "b200-180gb", labels: { pool: "inference" } },
    });
    expect(stackManifests(spec).nodePool).toBeUndefined();
    expect(scheduling(spec).nodeSelector).toEqual({ "nvidia.com/gpu.product": "NVIDIA-B200", pool: "inference" });
  });

  it("an untainted pool needs no toleration", () => {
    expect(scheduling(specFrom({ nodePool: { taint: false } })).tolerations).toEqual([]);
  });
});

describe("credentials, service and outputs", () => {
  it("no secrets configured: no Secret object", () => {
    expect(stackManifests(h200()).credentials).toBeUndefined();
  });

  it("a Secret with only the keys the stack has; values are filled by the component", () => {
    const m = stackManifests(specFrom({ apiKey: "k" }, "s", ["apiKey"]));
    expect(m.credentials).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "s-credentials", namespace: "s", labels: expect.any(Object) },
      type: "Opaque",
    });
    expect(m.credentialKeys).toEqual(["api-key"]);
  });

  it("a ServiceMonitor when monitoring is on", () => {
    const m = stackManifests(specFrom({ monitoring: { serviceMonitor: true, labels: { release: "prom" } } }, "s"));
    expect(m.serviceMonitor!.spec).toEqual({
      selector: { matchLabels: { "app.kubernetes.io/instance": "s", "app.kubernetes.io/component": "engine" } },
      endpoints: [{ port: "http", path: "/metrics", interval: "30s" }],
    });
    expect(m.serviceMonitor!.metadata!.labels!["release"]).toBe("prom");
  });

  it("outputs: endpoint, served model name and a ready-to-paste curl", () => {
    expect(stackOutputs(h200())).toEqual({
      endpoint: "http://h200-fp8.h200-fp8.svc.cluster.local:8000/v1",
      servedModelName: "glm-5-fp8",
      curl: `curl -sS http://h200-fp8.h200-fp8.svc.cluster.local:8000/v1/chat/completions -H 'Content-Type: application/json' -d '{"model":"glm-5-fp8","messages":[{"role":"user","content":"Hello"}],"max_tokens":64}'`,
    });
    expect(curlCommand(specFrom({ apiKey: "k" }, "s", ["apiKey"]))).toContain(
      `-H "Authorization: Bearer $GLM_API_KEY"`,
    );
  });
});
