import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ServingSpec } from "../infra/config/spec";
import { GROUP_ENTRYPOINT } from "../infra/k8s/engineWorkload";
import { stackManifests } from "../infra/k8s/manifests";
import {
  configErrorOf,
  deploymentOf,
  flagMap,
  HAVE_SHARED,
  leaderWorkerSetOf,
  SKIP_SHARED_REASON,
  seedCommand,
  specFrom,
  stackSpec,
} from "./helpers";

const SEED_002 = "002_3ef22842a9639d45.txt";
const LEADER_IP = "10.0.0.1";

const stack = stackSpec;

/** Runs the group entrypoint as pod `index` of a group, with stand-ins; returns the engine's argv. */
function runEntrypoint(spec: ServingSpec, index: number, env: Record<string, string> = {}) {
  const lws = leaderWorkerSetOf(stackManifests(spec));
  const t = index === 0 ? lws.spec.leaderWorkerTemplate.leaderTemplate! : lws.spec.leaderWorkerTemplate.workerTemplate;
  const c = t.spec.containers[0]!;
  const bin = mkdtempSync(join(tmpdir(), "glm-group-"));
  // python3 stands in for the NIC lookup (prints eth0) and the leader's DNS lookup.
  writeFileSync(
    join(bin, "python3"),
    `#!/bin/sh\ncase "$2" in *gethostbyname*) [ -n "\${UNRESOLVABLE:-}" ] && exit 1; echo ${LEADER_IP};; *) echo eth0;; esac\n`,
  );
  writeFileSync(
    join(bin, "vllm"),
    `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done\nenv | grep -E '^((GLOO|TP|HCCL|NCCL)_SOCKET_IFNAME|IMAGE_BASHRC)=' | sort >&2\n`,
  );
  // The image's ~/.bashrc (where CANN's set_env.sh and the jemalloc preload live): the engine must see it.
  writeFileSync(join(bin, ".bashrc"), "export IMAGE_BASHRC=sourced\n");
  chmodSync(join(bin, "python3"), 0o755);
  chmodSync(join(bin, "vllm"), 0o755);
  const plain = Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  const r = spawnSync("/bin/sh", ["-c", c.command![2]!, ...c.command!.slice(3), ...c.args!], {
    encoding: "utf8",
    env: {
      ...plain,
      PATH: `${bin}:/usr/bin:/bin`,
      HOME: bin,
      POD_IP: index === 0 ? LEADER_IP : `10.0.0.${index + 1}`,
      LWS_WORKER_INDEX: String(index),
      LWS_LEADER_ADDRESS: `${spec.name}-engine-0.${spec.name}-engine.glm-serving`,
      ...env,
    },
  });
  // An interactive bash without a terminal notes that it has no job control: not the engine's output.
  const stderr = r.stderr
    .split("\n")
    .filter((l) => !/^bash: (cannot set terminal process group|no job control)/.test(l))
    .join("\n");
  return { status: r.status, argv: r.stdout.trim().split("\n"), stderr, stdout: r.stdout };
}

describe("vLLM-Ascend single node: seed 002's commands, flag for flag", () => {
  const cases = [
    ["a3-w4a8", "vllm serve /root/.cache/modelscope/hub/models/vllm-ascend/GLM5-w4a8"],
    ["a2-w4a8", "vllm serve /root/.cache/modelscope/hub/models/vllm-ascend/GLM-5-w4a8"],
  ] as const;

  for (const [name, start] of cases) {
    it.skipIf(!HAVE_SHARED)(`${name} (${HAVE_SHARED ? "../shared/seeds/002" : SKIP_SHARED_REASON})`, () => {
      const c = deploymentOf(stackManifests(stack(name))).spec!.template.spec!.containers[0]!;
      const seed = seedCommand(SEED_002, start);
      expect(c.command).toEqual(["/bin/bash", "-ic", 'exec "$@"', "vllm-ascend-env", "vllm", "serve"]);
      expect(flagMap(c.args!)).toEqual(flagMap(seed.slice(3)));
      // The one difference: the checkpoint's directory is where the stack downloads it.
      expect(c.args![0]).toBe("/root/.cache/modelscope/hub/models/Eco-Tech/GLM-5-w4a8");
    });
  }

  it("a3-w4a8: every flag (in-repo, for clones without ../shared)", () => {
    const c = deploymentOf(stackManifests(stack("a3-w4a8"))).spec!.template.spec!.containers[0]!;
    expect(c.args).toEqual([
      "/root/.cache/modelscope/hub/models/Eco-Tech/GLM-5-w4a8",
      "--host",
      "0.0.0.0",
      "--port",
      "8077",
      "--data-parallel-size",
      "1",
      "--tensor-parallel-size",
      "16",
      "--enable-expert-parallel",
      "--seed",
      "1024",
      "--served-model-name",
      "glm-5",
      "--max-num-seqs",
      "8",
      "--max-model-len",
      "66600",
      "--max-num-batched-tokens",
      "4096",
      "--trust-remote-code",
      "--gpu-memory-utilization",
      "0.95",
      "--quantization",
      "ascend",
      "--enable-chunked-prefill",
      "--enable-prefix-caching",
      "--async-scheduling",
      "--additional-config",
      '{"multistream_overlap_shared_expert":true}',
      "--compilation-config",
      '{"cudagraph_mode":"FULL_DECODE_ONLY"}',
      "--speculative-config",
      '{"num_speculative_tokens":3,"method":"deepseek_mtp"}',
    ]);
  });

  it("the seed's environment, NPUs from the device plugin, the driver's host paths read-only", () => {
    const pod = deploymentOf(stackManifests(stack("a3-w4a8"))).spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.env).toEqual([
      { name: "HF_HUB_OFFLINE", value: "1" },
      { name: "VLLM_ENGINE_READY_TIMEOUT_S", value: "4462" },
      { name: "HCCL_OP_EXPANSION_MODE", value: "AIV" },
      { name: "OMP_PROC_BIND", value: "false" },
      { name: "OMP_NUM_THREADS", value: "10" },
      { name: "VLLM_USE_V1", value: "1" },
      { name: "HCCL_BUFFSIZE", value: "200" },
      { name: "PYTORCH_NPU_ALLOC_CONF", value: "expandable_segments:True" },
      { name: "VLLM_ASCEND_BALANCE_SCHEDULING", value: "1" },
      // Not the seed's: the API key (closed by default) from the Secret the stack names.
      { name: "VLLM_API_KEY", valueFrom: { secretKeyRef: { name: "a3-w4a8-api-key", key: "api-key" } } },
      // Not the seed's: where the compilers keep their caches (on the cache volume, compileCache.ts).
      { name: "VLLM_CACHE_ROOT", value: "/var/cache/glm-serving-compile/vllm" },
      { name: "TORCHINDUCTOR_CACHE_DIR", value: "/var/cache/glm-serving-compile/inductor" },
    ]);
    expect(c.resources!.limits!["huawei.com/Ascend910"]).toBe("16");
    expect(c.image).toBe("quay.io/ascend/vllm-ascend:glm5-a3");
    expect(c.volumeMounts!.slice(3)).toEqual([
      { name: "ascend-dcmi", mountPath: "/usr/local/dcmi", readOnly: true },
      { name: "ascend-hccn-tool", mountPath: "/usr/local/Ascend/driver/tools/hccn_tool", readOnly: true },
      { name: "ascend-npu-smi", mountPath: "/usr/local/bin/npu-smi", readOnly: true },
      { name: "ascend-driver-lib64", mountPath: "/usr/local/Ascend/driver/lib64", readOnly: true },
      { name: "ascend-driver-version", mountPath: "/usr/local/Ascend/driver/version.info", readOnly: true },
      { name: "ascend-install-info", mountPath: "/etc/ascend_install.info", readOnly: true },
    ]);
    // Typed: a node without the driver's files fails the pod's start instead of mounting empty directories.
    expect(pod.volumes!.slice(3).map((v) => [v.name, v.hostPath!.type])).toEqual([
      ["ascend-dcmi", "Directory"],
      ["ascend-hccn-tool", "File"],
      ["ascend-npu-smi", "File"],
      ["ascend-driver-lib64", "Directory"],
      ["ascend-driver-version", "File"],
      ["ascend-install-info", "File"],
    ]);
    expect(pod.nodeSelector).toEqual({ accelerator: "huawei-Ascend910", "accelerator-type": "module-a3-16" });
    expect(deploymentOf(stackManifests(stack("a2-w4a8"))).spec!.template.spec!.containers[0]!.image).toBe(
      "quay.io/ascend/vllm-ascend:glm5",
    );
  });

  it("the device-plugin resource name is configurable", () => {
    const spec = specFrom({
      model: { id: "glm-5-w4a8", allowBranch: true },
      nodePool: { accelerator: "atlas-800-a3", provisioner: "static", resourceName: "huawei.com/ascend-1980" },
      engine: { kind: "vllm-ascend", quantization: "ascend" },
    });
    expect(
      deploymentOf(stackManifests(spec)).spec!.template.spec!.containers[0]!.resources!.requests![
        "huawei.com/ascend-1980"
      ],
    ).toBe("16");
  });
});

describe("data-parallel pairs on a LeaderWorkerSet", () => {
  const pairs = [
    ["a3-bf16-pair", "vllm serve /root/.cache/modelscope/hub/models/vllm-ascend/GLM5-bf16", 0],
    ["a2-w4a8-pair", "vllm serve /root/.cache/modelscope/hub/models/vllm-ascend/GLM-5-w4a8", 1],
  ] as const;

  for (const [name, start, first] of pairs) {
    it.skipIf(!HAVE_SHARED)(
      `${name}: node0 and node1 get the seed's flags (${HAVE_SHARED ? "../shared/seeds/002" : SKIP_SHARED_REASON})`,
      () => {
        const spec = stack(name);
        const parse = (argv: string[]) => {
          const flags = flagMap(argv);
          if (flags["--data-parallel-address"] === LEADER_IP) flags["--data-parallel-address"] = "$node0_ip";
          return flags;
        };
        const env = { node0_ip: "$node0_ip" };
        const node0 = seedCommand(SEED_002, start, first, env);
        const node1 = seedCommand(SEED_002, start, first + 1, env);
        const leader = runEntrypoint(spec, 0);
        const worker = runEntrypoint(spec, 1);
        expect(leader.status).toBe(0);
        expect(worker.status).toBe(0);
        expect(parse(leader.argv.slice(2))).toEqual(flagMap(node0.slice(3)));
        expect(parse(worker.argv.slice(2))).toEqual(flagMap(node1.slice(3)));
      },
    );
  }

  it("the leader runs with its own address; the worker headless from rank 1 with the leader's", () => {
    const spec = stack("a3-bf16-pair");
    const leader = runEntrypoint(spec, 0);
    const worker = runEntrypoint(spec, 1);
    expect(leader.argv.slice(-2)).toEqual(["--data-parallel-address", LEADER_IP]);
    expect(leader.argv).not.toContain("--headless");
    expect(worker.argv.slice(-5)).toEqual([
      "--headless",
      "--data-parallel-start-rank",
      "1",
      "--data-parallel-address",
      LEADER_IP,
    ]);
    // HCCL and the socket variables, on the NIC that holds the pod IP; and the image's environment
    // (its ~/.bashrc: CANN's set_env.sh, the jemalloc preload), as in the seed's interactive shell.
    expect(worker.stderr).toBe(
      "GLOO_SOCKET_IFNAME=eth0\nHCCL_SOCKET_IFNAME=eth0\nIMAGE_BASHRC=sourced\nTP_SOCKET_IFNAME=eth0\n",
    );
  });

  it("four nodes with two data-parallel ranks each: start ranks 2, 4, 6", () => {
    const spec = specFrom(
      {
        model: { id: "glm-5-w4a8", allowBranch: true },
        nodePool: { accelerator: "atlas-800-a2", provisioner: "static", nodes: 4 },
        engine: {
          kind: "vllm-ascend",
          quantization: "ascend",
          tensorParallelSize: 4,
          dataParallelSize: 8,
          dataParallelRpcPort: 13389,
        },
        weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "efs", type: "efs" } },
        leaderWorkerSet: { present: true },
      },
      "quad",
    );
    expect(leaderWorkerSetOf(stackManifests(spec)).spec.leaderWorkerTemplate.size).toBe(4);
    for (const [index, rank] of [
      [1, "2"],
      [2, "4"],
      [3, "6"],
    ] as const) {
      const argv = runEntrypoint(spec, index).argv;
      expect(
        argv.slice(argv.indexOf("--data-parallel-start-rank"), argv.indexOf("--data-parallel-start-rank") + 2),
      ).toEqual(["--data-parallel-start-rank", rank]);
    }
    const flags = flagMap(runEntrypoint(spec, 0).argv);
    expect(flags["--data-parallel-size"]).toBe("8");
    expect(flags["--data-parallel-size-local"]).toBe("2");
  });

  it("a configured NIC is used as is", () => {
    const r = runEntrypoint(stack("a3-bf16-pair"), 1, { SOCKET_IFNAME: "enp189s0f0" });
    expect(r.stderr).toContain("HCCL_SOCKET_IFNAME=enp189s0f0");
  });

  it("a worker without LWS_LEADER_ADDRESS fails with a clear line instead of an empty address", () => {
    const r = runEntrypoint(stack("a3-bf16-pair"), 1, { LWS_LEADER_ADDRESS: "" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("glm-serving: LWS_LEADER_ADDRESS is empty: a worker must run in a LeaderWorkerSet\n");
  });

  it("a leader address that never resolves times out with a clear line", () => {
    const r = runEntrypoint(stack("a3-bf16-pair"), 1, { UNRESOLVABLE: "1", LEADER_WAIT_SECONDS: "0" });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "glm-serving: the leader address a3-bf16-pair-engine-0.a3-bf16-pair-engine.glm-serving did not resolve within 0 s\n",
    );
  });

  it("the group: size = nodes, restarted together, workers started with the leader, only the leader serves", () => {
    const m = stackManifests(stack("a3-bf16-pair"));
    const lws = leaderWorkerSetOf(m);
    expect(lws.spec.startupPolicy).toBe("LeaderCreated");
    expect(lws.spec.leaderWorkerTemplate.size).toBe(2);
    expect(lws.spec.leaderWorkerTemplate.restartPolicy).toBe("RecreateGroupOnPodRestart");
    const worker = lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]!;
    expect(worker.ports).toBeUndefined();
    expect(worker.startupProbe).toBeUndefined();
    expect(lws.spec.leaderWorkerTemplate.leaderTemplate!.spec.containers[0]!.startupProbe).toBeDefined();
    expect(m.service.spec!.selector).toEqual({
      "app.kubernetes.io/instance": "a3-bf16-pair",
      "app.kubernetes.io/component": "engine",
      "glm-serving/role": "leader",
    });
    expect(lws.spec.leaderWorkerTemplate.workerTemplate.metadata!.labels!["glm-serving/role"]).toBe("worker");
    // Not satisfied by the previous generation's condition: every group updated and ready.
    expect(JSON.parse(lws.metadata.annotations!["pulumi.com/waitFor"]!)).toEqual([
      "jsonpath={.status.updatedReplicas}=1",
      "jsonpath={.status.readyReplicas}=1",
      "condition=Available",
    ]);
    expect(m.cacheClaim!.spec!.accessModes).toEqual(["ReadWriteMany"]);
  });

  it("host networking, for clusters whose HCCL traffic needs the host NICs", () => {
    const spec = specFrom({
      model: { id: "glm-5-bf16-modelscope", allowBranch: true },
      nodePool: { accelerator: "atlas-800-a3", provisioner: "static", nodes: 2 },
      engine: { kind: "vllm-ascend", dataParallelSize: 2, dataParallelRpcPort: 12890 },
      weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "efs", type: "efs" } },
      leaderWorkerSet: { install: true },
      pod: { hostNetwork: true },
    });
    const worker = leaderWorkerSetOf(stackManifests(spec)).spec.leaderWorkerTemplate.workerTemplate.spec;
    expect(worker.hostNetwork).toBe(true);
    expect(worker.dnsPolicy).toBe("ClusterFirstWithHostNet");
  });

  it("the same mechanism runs vLLM on NVIDIA nodes (NCCL sockets, vLLM's own address)", () => {
    const spec = specFrom(
      {
        nodePool: { nodes: 2, karpenter: { maxNodes: 2 } },
        engine: { dataParallelSize: 2, enableExpertParallel: true, dataParallelRpcPort: 13345 },
        weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "efs", type: "efs" } },
        leaderWorkerSet: { present: true },
      },
      "h200-pair",
    );
    const worker = runEntrypoint(spec, 1);
    expect(worker.status).toBe(0);
    expect(worker.stderr).toBe("GLOO_SOCKET_IFNAME=eth0\nNCCL_SOCKET_IFNAME=eth0\n");
    const flags = flagMap(worker.argv);
    expect(flags).toMatchObject({
      "--data-parallel-size": "2",
      "--data-parallel-size-local": "1",
      "--data-parallel-rpc-port": "13345",
      "--headless": "",
      "--data-parallel-start-rank": "1",
    });
    const env = leaderWorkerSetOf(stackManifests(spec)).spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]!
      .env!;
    expect(env).toContainEqual({ name: "VLLM_HOST_IP", value: "$(POD_IP)" });
  });
});

describe("bad Ascend and group input", () => {
  const pair = {
    model: { id: "glm-5-bf16-modelscope", allowBranch: true },
    nodePool: { accelerator: "atlas-800-a3", provisioner: "static", nodes: 2 },
    engine: { kind: "vllm-ascend", dataParallelSize: 2, dataParallelRpcPort: 12890 },
    weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "efs", type: "efs" } },
    leaderWorkerSet: { install: true },
  };
  const header = (n: number) =>
    `Stack "test" has ${n === 1 ? "1 problem" : `${n} problems`} in its configuration (stacks/Pulumi.test.yaml):`;

  it("a data-parallel size that does not match the nodes", () => {
    expect(configErrorOf(() => specFrom({ ...pair, engine: { ...pair.engine, dataParallelSize: 3 } }))).toBe(
      [
        header(2),
        "  - glm-serving:engine.dataParallelSize = 3",
        "      allowed: a layout whose ranks fill the 2 nodes: data parallel size 3 does not split evenly over 2 nodes",
        "      fix:     set engine.dataParallelSize to 2 (nodes x ranks per node)",
        "  - glm-serving:engine.dataParallelSize = 3",
        "      allowed: a layout whose ranks fill the 2 nodes: 256 routed experts do not divide evenly over 48 expert-parallel ranks",
        "      fix:     set engine.dataParallelSize to 2 (nodes x ranks per node)",
      ].join("\n"),
    );
  });

  it("a tensor-parallel size larger than a node's NPUs", () => {
    expect(configErrorOf(() => specFrom({ ...pair, engine: { ...pair.engine, tensorParallelSize: 32 } }))).toBe(
      [
        header(1),
        "  - glm-serving:engine.tensorParallelSize = 32",
        "      allowed: a divisor of the 16 devices of one atlas-800-a3 node: 1, 2, 4, 8, 16",
        "      fix:     pulumi config set --path engine.tensorParallelSize 16",
      ].join("\n"),
    );
  });

  it("a pair without the LeaderWorkerSet controller, an RPC port or a shared cache", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          ...pair,
          engine: { kind: "vllm-ascend", dataParallelSize: 2 },
          weightCache: {},
          leaderWorkerSet: {},
        }),
      ),
    ).toBe(
      [
        header(3),
        "  - glm-serving:engine.dataParallelRpcPort = (not set)",
        "      allowed: a port for the group's data-parallel RPC (seed 002 uses 12890 and 13389)",
        "      fix:     pulumi config set --path engine.dataParallelRpcPort 13389",
        '  - glm-serving:weightCache.accessMode = "ReadWriteOnce"',
        "      allowed: ReadWriteMany for a 2-node group (every node mounts the one download)",
        "      fix:     pulumi config set --path weightCache.accessMode ReadWriteMany",
        "  - glm-serving:leaderWorkerSet.install = false",
        "      allowed: true, or leaderWorkerSet.present true: a multi-node group is a LeaderWorkerSet, which needs its controller",
        "      fix:     pulumi config set --path leaderWorkerSet.install true (or declare it installed: pulumi config set --path leaderWorkerSet.present true)",
      ].join("\n"),
    );
  });

  it("a W4A8 checkpoint without --quantization ascend; vLLM-Ascend on NVIDIA GPUs; SGLang in a group without EP", () => {
    expect(configErrorOf(() => specFrom({ ...pair, model: { id: "glm-5-w4a8", allowBranch: true } }))).toContain(
      "  - glm-serving:engine.quantization = (not set)\n      allowed: ascend for glm-5-w4a8 (an msmodelslim W4A8 checkpoint)",
    );
    expect(configErrorOf(() => specFrom({ engine: { kind: "vllm-ascend" } }))).toContain(
      '  - glm-serving:nodePool.accelerator = "h200-141gb"\n      allowed: an accelerator engine.kind vllm-ascend runs on (atlas-800-a2, atlas-800-a3)',
    );
    expect(configErrorOf(() => specFrom({ engine: { kind: "sglang" }, nodePool: { nodes: 2 } }))).toContain(
      "  - glm-serving:engine.enableExpertParallel = false\n      allowed: true for a 2-node SGLang group (experts over every rank, data-parallel attention: the layout the planner checks)",
    );
  });
});

describe("the Ascend stacks fit (planner)", () => {
  it("all four", async () => {
    const { planStack } = await import("../infra/planner/fromSpec");
    for (const name of ["a3-w4a8", "a2-w4a8", "a3-bf16-pair", "a2-w4a8-pair"]) {
      expect(planStack(stack(name)).fits, name).toBe(true);
    }
    mkdirSync(join(tmpdir(), "glm-unused"), { recursive: true });
  });
});
