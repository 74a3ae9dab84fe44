import { describe, expect, it } from "vitest";
import { configErrorOf, specFrom, valuesWithAuthOptOut } from "./helpers";

const header = (n: number) =>
  `Stack "test" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.test.yaml):`;

describe("configuration errors: one message, every problem, path / value / allowed / fix", () => {
  it("unknown key, with a did-you-mean", () => {
    expect(configErrorOf(() => specFrom({ engine: { tensorParallelSise: 8 } }))).toBe(
      [
        header(1),
        "  - glm-serving:engine.tensorParallelSise = 8",
        "      allowed: the keys of engine: kind, image, tensorParallelSize, pipelineParallelSize, dataParallelSize, dataParallelRpcPort, enableExpertParallel, speculative, toolCallParser, reasoningParser, enableAutoToolChoice, chatTemplateContentFormat, gpuMemoryUtilization, maxModelLen, maxNumSeqs, maxNumBatchedTokens, kvCacheDtype, enableChunkedPrefill, enablePrefixCaching, cpuOffloadGb, trustRemoteCode, streamFrom, port, extraArgs, env",
        "      fix:     rename engine.tensorParallelSise to engine.tensorParallelSize",
      ].join("\n"),
    );
  });

  it("unknown top-level key", () => {
    expect(configErrorOf(() => specFrom({ modle: { id: "glm-5-fp8" } }))).toBe(
      [
        header(1),
        '  - glm-serving:modle = {"id":"glm-5-fp8"}',
        "      allowed: the keys of glm-serving: name, target, docker, namespace, createNamespace, model, engine, nodePool, weightCache, pod, service, monitoring, benchmark, smokeTest, router, autoscaling, leaderWorkerSet, externalSecrets, images, hfToken, apiKey, renderYamlToDirectory",
        "      fix:     rename modle to model",
      ].join("\n"),
    );
  });

  it("wrong type, a quoted number", () => {
    expect(configErrorOf(() => specFrom({ engine: { tensorParallelSize: "8" } }))).toBe(
      [
        header(1),
        '  - glm-serving:engine.tensorParallelSize = "8"',
        "      allowed: a number",
        "      fix:     write engine.tensorParallelSize as a number without quotes (8)",
      ].join("\n"),
    );
  });

  it("tensor parallel size that does not divide the node's GPUs", () => {
    expect(configErrorOf(() => specFrom({ engine: { tensorParallelSize: 3 } }))).toBe(
      [
        header(1),
        "  - glm-serving:engine.tensorParallelSize = 3",
        "      allowed: a divisor of the 8 devices of one h200-141gb node: 1, 2, 4, 8",
        "      fix:     pulumi config set --path engine.tensorParallelSize 8",
      ].join("\n"),
    );
  });

  it("unknown model", () => {
    expect(configErrorOf(() => specFrom({ model: { id: "glm-5-fp4" } }))).toBe(
      [
        header(1),
        '  - glm-serving:model.id = "glm-5-fp4"',
        "      allowed: one of glm-5-fp8, glm-5-bf16, glm-5.1-fp8, glm-5.1-bf16, glm-4.7-flash, glm-5-bf16-modelscope, glm-5-w4a8, glm-5.1-gguf-ud-iq2_m, glm-5.1-gguf-ud-q2_k_xl, glm-5.1-gguf-ud-iq3_xxs, glm-5-gguf-ud-iq2_xxs",
        "      fix:     set model.id to glm-5-fp8",
      ].join("\n"),
    );
  });

  it("parallelism larger than one node", () => {
    expect(configErrorOf(() => specFrom({ engine: { tensorParallelSize: 8, dataParallelSize: 2 } }))).toBe(
      [
        header(1),
        "  - glm-serving:engine.dataParallelSize = 2",
        "      allowed: parallel ranks (tensor x pipeline x data = 16) at most the 8 devices of one h200-141gb node",
        "      fix:     lower engine.dataParallelSize (or pipelineParallelSize) so the ranks fit in 8 devices",
      ].join("\n"),
    );
  });

  it("a secret stored in plaintext never shows its value", () => {
    const message = configErrorOf(() => specFrom({ hfToken: "hf_plaintext_token" }));
    expect(message).toBe(
      [
        header(1),
        "  - glm-serving:hfToken = [secret]",
        "      allowed: an encrypted Pulumi secret (a `secure:` value in the stack file)",
        "      fix:     pulumi config set --secret hfToken <value>",
      ].join("\n"),
    );
    expect(message).not.toContain("hf_plaintext_token");
  });

  it("extra flags that a typed field owns", () => {
    expect(
      configErrorOf(() =>
        specFrom({ engine: { extraArgs: ["--max-model-len", "4096", "--no-enable-prefix-caching"] } }),
      ),
    ).toBe(
      [
        header(2),
        '  - glm-serving:engine.extraArgs[0] = "--max-model-len"',
        "      allowed: a flag that no typed field sets",
        "      fix:     remove it from engine.extraArgs and set engine.maxModelLen",
        '  - glm-serving:engine.extraArgs[2] = "--no-enable-prefix-caching"',
        "      allowed: a flag that no typed field sets",
        "      fix:     remove it from engine.extraArgs and set engine.enablePrefixCaching",
      ].join("\n"),
    );
  });

  it("extra flags under another spelling: underscores, =value, vLLM's short aliases", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          engine: { extraArgs: ["--max_model_len", "8192", "--kv-cache-dtype=fp8", "-tp", "4", "--max-log-len", "-1"] },
        }),
      ),
    ).toBe(
      [
        header(3),
        '  - glm-serving:engine.extraArgs[0] = "--max_model_len"',
        "      allowed: a flag that no typed field sets",
        "      fix:     remove it from engine.extraArgs and set engine.maxModelLen",
        '  - glm-serving:engine.extraArgs[2] = "--kv-cache-dtype=fp8"',
        "      allowed: a flag that no typed field sets",
        "      fix:     remove it from engine.extraArgs and set engine.kvCacheDtype",
        '  - glm-serving:engine.extraArgs[3] = "-tp"',
        "      allowed: a flag that no typed field sets",
        "      fix:     remove it from engine.extraArgs and set engine.tensorParallelSize",
      ].join("\n"),
    );
  });

  it("an environment variable name that is not one", () => {
    expect(configErrorOf(() => specFrom({ engine: { env: { "1BAD": "x" } } }))).toBe(
      [
        header(1),
        '  - glm-serving:engine.env["1BAD"] = "1BAD"',
        "      allowed: keys that are an environment variable name: letters, digits and '_', not starting with a digit",
        '      fix:     rename or remove engine.env["1BAD"]',
      ].join("\n"),
    );
  });

  it("credential-like environment values are masked like secrets", () => {
    const message = configErrorOf(() =>
      specFrom({ engine: { env: { HF_TOKEN: "hf_abcdef", MY_API_KEY: "sk-1" }, tensorParallelSize: 3 } }),
    );
    expect(message).toContain("glm-serving:engine.env.HF_TOKEN = [secret]");
    expect(message).not.toContain("hf_abcdef");
  });

  it("a branch name as revision", () => {
    expect(configErrorOf(() => specFrom({ model: { revision: "main" } }))).toBe(
      [
        header(1),
        '  - glm-serving:model.revision = "main"',
        "      allowed: a full 40-hex-digit commit of the model repository (branches and tags move)",
        "      fix:     set model.revision to the commit the branch points at now (git ls-remote https://huggingface.co/zai-org/GLM-5-FP8 main)",
      ].join("\n"),
    );
  });

  it("a branch with trustRemoteCode, unless the stack opts in with model.allowBranch", () => {
    const ascend = {
      model: { id: "glm-5-w4a8" },
      nodePool: { accelerator: "atlas-800-a2", provisioner: "static" },
      engine: { kind: "vllm-ascend", quantization: "ascend" },
    };
    expect(configErrorOf(() => specFrom(ascend))).toBe(
      [
        header(1),
        '  - glm-serving:model.revision = "master"',
        "      allowed: a 40-hex-digit commit of Eco-Tech/GLM-5-w4a8 while engine.trustRemoteCode is on (the checkpoint's own code runs in the engine, and a branch can change it); a branch or tag only with model.allowBranch true",
        "      fix:     set model.revision to a commit of Eco-Tech/GLM-5-w4a8 you have reviewed, or pulumi config set --path model.allowBranch true to serve the commit the branch points at when the download runs",
      ].join("\n"),
    );
    expect(specFrom({ ...ascend, model: { id: "glm-5-w4a8", allowBranch: true } }).model.revision).toBe("master");
    expect(specFrom({ ...ascend, engine: { ...ascend.engine, trustRemoteCode: false } }).model.revision).toBe("master");
    const commit = "0123456789abcdef0123456789abcdef01234567";
    expect(specFrom({ ...ascend, model: { id: "glm-5-w4a8", revision: commit } }).model.revision).toBe(commit);
  });

  it("secrets while the provider renders YAML (it would write them in plaintext)", () => {
    expect(configErrorOf(() => specFrom({ apiKey: "k", renderYamlToDirectory: "out" }, "test", ["apiKey"]))).toBe(
      [
        header(1),
        "  - glm-serving:apiKey = [secret]",
        "      allowed: no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
        "      fix:     pulumi config rm apiKey and create the Secret outside this stack, or use npm run render (which redacts secrets) instead of renderYamlToDirectory",
      ].join("\n"),
    );
  });

  it("extra arguments that do not start with a flag", () => {
    expect(configErrorOf(() => specFrom({ engine: { extraArgs: ["4096"] } }))).toBe(
      [
        header(1),
        '  - glm-serving:engine.extraArgs[0] = "4096"',
        "      allowed: a flag starting with --, then its values",
        "      fix:     start engine.extraArgs with a --flag",
      ].join("\n"),
    );
  });

  it("environment variables the stack manages", () => {
    expect(configErrorOf(() => specFrom({ engine: { env: { HF_TOKEN: "abc" } } }))).toBe(
      [
        header(1),
        "  - glm-serving:engine.env.HF_TOKEN = [secret]",
        "      allowed: variables other than HF_HOME, HF_HUB_OFFLINE, HF_TOKEN, VLLM_API_KEY, VLLM_ENGINE_READY_TIMEOUT_S, VLLM_HOST_IP, GLOO_SOCKET_IFNAME, NCCL_SOCKET_IFNAME, FI_PROVIDER, FI_EFA_USE_DEVICE_RDMA, FI_EFA_FORK_SAFE, NCCL_IB_DISABLE, NCCL_IB_HCA, NCCL_IB_GID_INDEX, NCCL_NET, which the stack sets itself",
        "      fix:     remove it and use pulumi config set --secret hfToken",
      ].join("\n"),
    );
  });

  it("a floating image tag", () => {
    expect(
      configErrorOf(() => specFrom({ engine: { image: { repository: "vllm/vllm-openai", tag: "latest" } } })),
    ).toBe(
      [
        header(1),
        '  - glm-serving:engine.image.tag = "latest"',
        '      allowed: a fixed tag: "latest" floats, so a redeploy could change the engine',
        "      fix:     set engine.image.tag to the release tag you tested (and image.digest to pin its content)",
      ].join("\n"),
    );
  });

  it("a cache smaller than the checkpoint", () => {
    expect(configErrorOf(() => specFrom({ weightCache: { size: "500Gi" } }))).toBe(
      [
        header(1),
        '  - glm-serving:weightCache.size = "500Gi"',
        "      allowed: at least the checkpoint's 756 GB (705Gi)",
        "      fix:     remove weightCache.size to size it from the catalog, or set it to at least 705Gi",
      ].join("\n"),
    );
  });

  it("a model without a pinned revision", () => {
    expect(configErrorOf(() => specFrom({ model: { id: "glm-5-bf16" } }))).toBe(
      [
        header(1),
        "  - glm-serving:model.revision = (not set)",
        "      allowed: a 40-hex-digit commit of zai-org/GLM-5; the catalog pins none for glm-5-bf16",
        "      fix:     set model.revision to the commit you have tested (git ls-remote https://huggingface.co/zai-org/GLM-5 main)",
      ].join("\n"),
    );
  });

  it("an Ascend pool under the CUDA vLLM engine, through Karpenter", () => {
    expect(configErrorOf(() => specFrom({ nodePool: { accelerator: "atlas-800-a3" } }))).toBe(
      [
        header(2),
        '  - glm-serving:nodePool.accelerator = "atlas-800-a3"',
        "      allowed: an accelerator engine.kind vllm runs on (h100-80gb, h100-80gb-x1, h200-141gb, b200-180gb, a100-80gb)",
        "      fix:     set nodePool.accelerator to one of h100-80gb, h100-80gb-x1, h200-141gb, b200-180gb, a100-80gb, or choose the engine for ascend devices",
        '  - glm-serving:nodePool.provisioner = "karpenter"',
        "      allowed: static for atlas-800-a3: no cloud offers it through Karpenter",
        "      fix:     pulumi config set --path nodePool.provisioner static",
      ].join("\n"),
    );
  });

  it("several replicas on a single-node volume, beyond the pool", () => {
    expect(
      configErrorOf(() =>
        specFrom({ pod: { replicas: 2 }, nodePool: { karpenter: { maxNodes: 1 } }, weightCache: { mode: "volume" } }),
      ),
    ).toBe(
      [
        header(2),
        '  - glm-serving:weightCache.accessMode = "ReadWriteOnce"',
        "      allowed: ReadWriteMany when pod.replicas is 2 (replicas on several nodes share the cache)",
        "      fix:     pulumi config set --path weightCache.accessMode ReadWriteMany",
        "  - glm-serving:nodePool.karpenter.maxNodes = 1",
        "      allowed: at least pod.replicas x nodePool.nodes = 2 x 1 = 2: every pod of every group needs a node of its own",
        "      fix:     pulumi config set --path nodePool.karpenter.maxNodes 2 (or remove it: the default is 2)",
      ].join("\n"),
    );
  });

  it("ReadWriteMany needs a class that offers it; a download in the zone needs the zone and a shared volume", () => {
    expect(configErrorOf(() => specFrom({ weightCache: { accessMode: "ReadWriteMany" } }))).toBe(
      [
        header(1),
        "  - glm-serving:weightCache.storageClass = (not set)",
        "      allowed: a StorageClass that offers ReadWriteMany (fsx-lustre, efs, cephfs, nfs), since weightCache.accessMode is ReadWriteMany: the cluster's default class is usually a block volume that cannot",
        `      fix:     pulumi config set --path weightCache.storageClass '{"name":"<class>","type":"efs"}' (a class of your cluster)`,
      ].join("\n"),
    );
    expect(
      configErrorOf(() =>
        specFrom({
          weightCache: {
            accessMode: "ReadWriteMany",
            storageClass: { name: "gp3", type: "ebs-gp3" },
            downloadOn: "zone",
          },
        }),
      ),
    ).toBe(
      [
        header(2),
        '  - glm-serving:weightCache.storageClass.type = "ebs-gp3"',
        "      allowed: a type that offers ReadWriteMany (fsx-lustre, efs, cephfs, nfs): Amazon EBS gp3 (EBS CSI driver), a zonal block volume is mounted by one node at a time",
        "      fix:     name a shared-file-system class (fsx-lustre, efs, cephfs, nfs) in weightCache.storageClass",
        "  - glm-serving:nodePool.zone = (not set)",
        "      allowed: the accelerators' availability zone, when weightCache.downloadOn is zone (the download runs there)",
        "      fix:     pulumi config set --path nodePool.zone <zone of the GPU capacity>",
      ].join("\n"),
    );
    expect(
      configErrorOf(() => specFrom({ nodePool: { zone: "us-east-2b" }, weightCache: { downloadOn: "zone" } })),
    ).toBe(
      [
        header(1),
        '  - glm-serving:weightCache.downloadOn = "zone"',
        "      allowed: accelerator-pool unless the cache is a ReadWriteMany volume that is not a node's disk: a new revision's download runs while the engine still holds the volume, and a ReadWriteOnce or node-local volume cannot be mounted on a second node",
        "      fix:     pulumi config set --path weightCache.downloadOn accelerator-pool",
      ].join("\n"),
    );
  });

  it("reports schema problems and cross-field problems of other sections together", () => {
    const message = configErrorOf(() =>
      specFrom({ engine: { tensorParallelSize: 3 }, pod: { cpu: 32 }, service: { type: "Ingress" } }),
    );
    expect(message.split("\n")[0]).toBe(header(3));
    expect(message).toContain("glm-serving:pod.cpu = 32\n      allowed: a string");
    expect(message).toContain(
      'glm-serving:service.type = "Ingress"\n      allowed: one of ClusterIP, NodePort, LoadBalancer',
    );
    expect(message).toContain("glm-serving:engine.tensorParallelSize = 3\n      allowed: a divisor of the 8 devices");
  });

  it("range and format checks describe what is allowed", () => {
    expect(configErrorOf(() => specFrom({ engine: { gpuMemoryUtilization: 1.5 }, namespace: "GLM_Serving" }))).toBe(
      [
        header(2),
        '  - glm-serving:namespace = "GLM_Serving"',
        "      allowed: a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters",
        "      fix:     set namespace to glm-serving",
        "  - glm-serving:engine.gpuMemoryUtilization = 1.5",
        "      allowed: a number <= 1",
        "      fix:     set engine.gpuMemoryUtilization to a number <= 1",
      ].join("\n"),
    );
  });
});

describe("defaults", () => {
  it("an empty stack is GLM-5 FP8 with vLLM on one Karpenter-provisioned 8x H200 node", () => {
    const spec = specFrom({}, "h200-fp8");
    expect(spec.name).toBe("h200-fp8");
    expect(spec.namespace).toBe("h200-fp8");
    expect(spec.model.entry.repo).toBe("zai-org/GLM-5-FP8");
    expect(spec.model.servedModelName).toBe("glm-5-fp8");
    expect(spec.accelerator.id).toBe("h200-141gb");
    expect(spec.nodePool.provisioner).toBe("karpenter");
    expect(spec.nodePool.instanceTypes).toEqual(["p5en.48xlarge", "p5e.48xlarge"]);
    if (spec.engine.kind !== "vllm") throw new Error("expected the default engine, vllm");
    expect(spec.engine.tensorParallelSize).toBe(8);
    expect(spec.engine.toolCallParser).toBe("glm47");
    expect(spec.engine.reasoningParser).toBe("glm45");
    // Node-local on the p5en / p5e instance store (30,400 GB as RAID0), read at the NVMe estimate; a
    // volume, where one is chosen, holds two revisions side by side: 2 x 756.16 GB + 10%.
    expect(spec.weightCache.mode).toBe("node-local");
    expect(spec.weightCache.hostPath).toBe("/mnt/k8s-disks/0/glm-serving/weights");
    expect(spec.weightCache.readBandwidthMBps).toBe(4000);
    expect(spec.weightCache.readBandwidthStated).toBe(false);
    expect(spec.weightCache.size).toBe("1479Gi");
    // The cache's own small image, not the engine's (vllm/vllm-openai:glm5).
    expect(spec.weightCache.downloadImage).toEqual({
      repository: "docker.io/library/python",
      tag: "3.12.12-slim-bookworm",
    });
    expect(spec.nodePool.karpenter.maxNodes).toBe(1);
    expect(spec.nodePool.karpenter.nodeClass.name).toBe("default");
    expect(spec.credentials).toEqual({ hfToken: false, apiKey: false });
  });

  it("config of other namespaces (provider settings) is not ours to validate", () => {
    expect(() => specFrom({})).not.toThrow();
    const values = { "kubernetes:context": "prod", "glm-serving:namespace": "llm" };
    expect(specFromRaw(values).namespace).toBe("llm");
  });
});

import { loadSpec } from "../infra/config/load";
function specFromRaw(values: Record<string, string>) {
  return loadSpec({ stack: "test", values: valuesWithAuthOptOut(values), secretKeys: new Set() });
}
