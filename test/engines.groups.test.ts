import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { decodeConfig } from "../infra/config/load";
import type { ServingSpec } from "../infra/config/spec";
import { specWarnings } from "../infra/config/warnings";
import { SGLANG_KEY_LAUNCHER } from "../infra/engines/sglang";
import { engineDriver } from "../infra/engines";
import { devicesPerPod, engineGroupLayout } from "../infra/k8s/engineWorkload";
import { stackManifests } from "../infra/k8s/manifests";
import { planStack } from "../infra/planner/fromSpec";
import type { KubernetesObject } from "../infra/render/manifestFiles";
import { renderStack } from "../infra/render/renderStack";
import { readStackFile } from "../infra/render/stackFile";
import { validateObject } from "./schemaValidation";
import { configErrorOf, leaderWorkerSetOf, specFrom, STACKS_DIR, stackFileText, stackSpec } from "./helpers";

/**
 * Multi-node NVIDIA groups: vLLM data parallel with expert parallelism and SGLang's multi-node launch,
 * as LeaderWorkerSets. Every rank's entrypoint runs in sh with stand-ins for python3 (NIC and DNS
 * lookups) and the engine (which prints its argv), as the Ascend pairs' do.
 */
const LEADER_IP = "10.0.0.1";

function runRank(spec: ServingSpec, index: number, env: Record<string, string> = {}) {
  const lws = leaderWorkerSetOf(stackManifests(spec));
  const t = index === 0 ? lws.spec.leaderWorkerTemplate.leaderTemplate! : lws.spec.leaderWorkerTemplate.workerTemplate;
  const c = t.spec.containers[0]!;
  const bin = mkdtempSync(join(tmpdir(), "glm-group-"));
  writeFileSync(
    join(bin, "python3"),
    `#!/bin/sh\ncase "$2" in *gethostbyname*) echo ${LEADER_IP};; *) echo eth0;; esac\n`,
  );
  // The engine stand-in: prints its argv (vllm serve ..., or python3 -m sglang.launch_server ...).
  const engine = `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done\n`;
  writeFileSync(join(bin, "vllm"), engine);
  chmodSync(join(bin, "python3"), 0o755);
  chmodSync(join(bin, "vllm"), 0o755);
  const plain = Object.fromEntries(c.env!.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
  // SGLang starts as `python3 -c <launcher>` (which runs sglang.launch_server in-process): run the
  // printing stand-in in python3's place, the launcher's code shown as one line.
  const argv = [...c.command!.slice(3), ...c.args!].map((a) => (a === SGLANG_KEY_LAUNCHER ? "<launcher>" : a));
  if (argv[1] === "python3") argv[1] = join(bin, "vllm");
  const r = spawnSync("/bin/sh", ["-c", c.command![2]!, ...argv], {
    encoding: "utf8",
    env: {
      ...plain,
      PATH: `${bin}:/usr/bin:/bin`,
      POD_IP: index === 0 ? LEADER_IP : `10.0.0.${index + 1}`,
      LWS_WORKER_INDEX: String(index),
      LWS_LEADER_ADDRESS: `${spec.name}-engine-0.${spec.name}-engine.${spec.namespace}`,
      ...env,
    },
  });
  // The entrypoint's own lines start with "glm-serving:"; the rest is the engine's argv after its
  // subcommand (`serve`, `-c <launcher>`).
  const printed = r.stdout
    .trim()
    .split("\n")
    .filter((l) => !l.startsWith("glm-serving:"));
  const skip = printed[0] === "serve" ? 1 : printed[0] === "-c" ? 2 : 0;
  return { status: r.status, argv: printed.slice(skip), stderr: r.stderr };
}

const after = (argv: string[], flag: string) => argv[argv.indexOf(flag) + 1];

describe("h100-fp8-group: GLM-5 FP8 over four 8x H100 nodes, vLLM DP4 x TP8 with expert parallelism", () => {
  const spec = stackSpec("h100-fp8-group");

  it("fits, in the planner's layout: start ranks 0 1 2 3, EP over 32 GPUs", () => {
    const plan = planStack(spec);
    expect(plan.fits).toBe(true);
    expect(engineGroupLayout(spec)).toMatchObject({ startRanks: [0, 1, 2, 3], dataLocal: 1, expertParallelSize: 32 });
    expect(plan.layout.startRanks).toEqual(engineGroupLayout(spec).startRanks);
  });

  it("every rank's argv: the leader serves with its own address, workers headless from their start rank", () => {
    const ranks = [0, 1, 2, 3].map((i) => runRank(spec, i));
    for (const r of ranks) expect(r.status).toBe(0);
    const common = [
      "zai-org/GLM-5-FP8",
      "--tensor-parallel-size",
      "8",
      "--data-parallel-size",
      "4",
      "--data-parallel-size-local",
      "1",
      "--data-parallel-rpc-port",
      "13389",
      "--enable-expert-parallel",
    ];
    expect(ranks[0]!.argv.slice(0, common.length)).toEqual(common);
    expect(ranks[0]!.argv.slice(-2)).toEqual(["--data-parallel-address", LEADER_IP]);
    expect(ranks[0]!.argv).not.toContain("--headless");
    for (const i of [1, 2, 3]) {
      expect(ranks[i]!.argv.slice(0, common.length)).toEqual(common);
      expect(ranks[i]!.argv.slice(-5)).toEqual([
        "--headless",
        "--data-parallel-start-rank",
        String(i),
        "--data-parallel-address",
        LEADER_IP,
      ]);
    }
  });

  it("a worker index outside the layout is refused with a clear line", () => {
    const r = runRank(spec, 4);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("glm-serving: worker index 4 is outside the group's 4 nodes (start ranks: 0 1 2 3)");
  });

  it("EFA on every pod: the 32 interfaces of a p5.48xlarge, libfabric's EFA provider, GPUDirect RDMA", () => {
    const lws = leaderWorkerSetOf(stackManifests(spec));
    for (const t of [lws.spec.leaderWorkerTemplate.leaderTemplate!, lws.spec.leaderWorkerTemplate.workerTemplate]) {
      const c = t.spec.containers[0]!;
      expect(c.resources!.limits).toMatchObject({ "nvidia.com/gpu": "8", "vpc.amazonaws.com/efa": "32" });
      expect(c.resources!.requests).toEqual(c.resources!.limits);
      expect(c.env!.filter((e) => e.name.startsWith("FI_"))).toEqual([
        { name: "FI_PROVIDER", value: "efa" },
        { name: "FI_EFA_USE_DEVICE_RDMA", value: "1" },
        { name: "FI_EFA_FORK_SAFE", value: "1" },
      ]);
      expect(c.securityContext?.capabilities).toBeUndefined();
    }
    expect(lws.spec.leaderWorkerTemplate.size).toBe(4);
    validateObject(lws as never);
    expect(specWarnings(spec)).toEqual([]);
  });
});

describe("SGLang across nodes: --nnodes, --node-rank, --dist-init-addr from the leader's address", () => {
  const spec = specFrom({
    nodePool: { accelerator: "h100-80gb", nodes: 2, karpenter: { maxNodes: 2 }, interconnect: { kind: "infiniband" } },
    engine: { kind: "sglang", tensorParallelSize: 8, dataParallelSize: 2, enableExpertParallel: true },
    weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "fsx-lustre", type: "fsx-lustre" } },
    leaderWorkerSet: { present: true },
  });

  it("the planner's DP2 x TP8 (EP16) is SGLang's --tp-size 16 --dp-size 2 --enable-dp-attention --ep-size 16", () => {
    const r = runRank(spec, 0);
    expect(r.status).toBe(0);
    expect(r.argv.slice(r.argv.indexOf("--tp-size"), r.argv.indexOf("--tp-size") + 9)).toEqual([
      "--tp-size",
      "16",
      "--dp-size",
      "2",
      "--enable-dp-attention",
      "--ep-size",
      "16",
      "--nnodes",
      "2",
    ]);
    expect(planStack(spec).layout).toMatchObject({ tensor: 8, data: 2, expertParallelSize: 16, nodes: 2 });
  });

  it("each node's rank and the leader's address at the dist-init port", () => {
    const leader = runRank(spec, 0);
    const worker = runRank(spec, 1);
    expect(leader.argv.slice(-4)).toEqual(["--node-rank", "0", "--dist-init-addr", `${LEADER_IP}:20000`]);
    expect(worker.status).toBe(0);
    expect(worker.argv.slice(-4)).toEqual(["--node-rank", "1", "--dist-init-addr", `${LEADER_IP}:20000`]);
    expect(after(worker.argv, "--nnodes")).toBe("2");
    expect(worker.argv).not.toContain("--headless");
  });

  it("InfiniBand: an RDMA device, NCCL's IB transport, IPC_LOCK to pin memory; workers serve no HTTP", () => {
    const lws = leaderWorkerSetOf(stackManifests(spec));
    const w = lws.spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]!;
    expect(w.resources!.limits!["rdma/rdma_shared_device_a"]).toBe("1");
    expect(w.env!.find((e) => e.name === "NCCL_IB_DISABLE")).toEqual({ name: "NCCL_IB_DISABLE", value: "0" });
    expect(w.env!.find((e) => e.name === "NCCL_IB_GID_INDEX")).toBeUndefined();
    expect(w.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { add: ["IPC_LOCK"] } });
    expect(w.ports).toBeUndefined();
    validateObject(lws as never);
  });
});

describe("the fabric is a pool setting", () => {
  const base = {
    nodePool: { accelerator: "h100-80gb", nodes: 2, karpenter: { maxNodes: 2 } },
    engine: { dataParallelSize: 2, enableExpertParallel: true, dataParallelRpcPort: 13389 },
    weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "fsx-lustre", type: "fsx-lustre" } },
    leaderWorkerSet: { present: true },
  };
  const env = (spec: ServingSpec) =>
    leaderWorkerSetOf(stackManifests(spec)).spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]!.env!.filter(
      (e) => /^(NCCL_(IB|NET)|FI_)/.test(e.name),
    );

  it("RoCE: GID index 3 unless set, the adapters when given", () => {
    const spec = specFrom({ ...base, nodePool: { ...base.nodePool, interconnect: { kind: "roce", hca: "mlx5" } } });
    expect(env(spec)).toEqual([
      { name: "NCCL_IB_DISABLE", value: "0" },
      { name: "NCCL_IB_HCA", value: "mlx5" },
      { name: "NCCL_IB_GID_INDEX", value: "3" },
    ]);
  });

  it("TCP only when asked, with a warning", () => {
    const spec = specFrom({ ...base, nodePool: { ...base.nodePool, interconnect: { kind: "tcp" } } });
    expect(env(spec)).toEqual([
      { name: "NCCL_IB_DISABLE", value: "1" },
      { name: "NCCL_NET", value: "Socket" },
    ]);
    expect(specWarnings(spec)).toHaveLength(1);
    expect(specWarnings(spec)[0]).toMatch(/^nodePool\.interconnect\.kind is tcp: the 2-node group's NCCL traffic/);
  });

  it("a static pool must name its fabric; unknown instance types need the EFA count", () => {
    expect(configErrorOf(() => specFrom({ ...base, nodePool: { ...base.nodePool, provisioner: "static" } }))).toContain(
      [
        "  - glm-serving:nodePool.interconnect.kind = (not set)",
        "      allowed: efa, infiniband or roce for a 2-node group on a static pool (tcp only if you accept its speed)",
        "      fix:     pulumi config set --path nodePool.interconnect.kind infiniband",
      ].join("\n"),
    );
    const custom = { ...base.nodePool, karpenter: { maxNodes: 2, instanceTypes: ["p5.48xlarge", "x9.metal"] } };
    expect(configErrorOf(() => specFrom({ ...base, nodePool: custom }))).toContain(
      [
        "  - glm-serving:nodePool.interconnect.devices = (not set)",
        "      allowed: the EFA interfaces each node offers: not known for p5.48xlarge, x9.metal (known: p4de.24xlarge, p5.48xlarge, p5e.48xlarge, p5en.48xlarge, p6-b200.48xlarge)",
        "      fix:     pulumi config set --path nodePool.interconnect.devices 32",
      ].join("\n"),
    );
    const given = specFrom({ ...base, nodePool: { ...custom, interconnect: { devices: 8 } } });
    expect(
      leaderWorkerSetOf(stackManifests(given)).spec.leaderWorkerTemplate.workerTemplate.spec.containers[0]!.resources!
        .limits!["vpc.amazonaws.com/efa"],
    ).toBe("8");
  });

  it("a pool of p5en and p5e requests the 16 interfaces both have", () => {
    const spec = specFrom({ ...base, nodePool: { ...base.nodePool, accelerator: "h200-141gb" } });
    expect(
      leaderWorkerSetOf(stackManifests(spec)).spec.leaderWorkerTemplate.leaderTemplate!.spec.containers[0]!.resources!
        .limits!["vpc.amazonaws.com/efa"],
    ).toBe("16");
  });

  it("single nodes get no fabric; Ascend groups refuse one (HCCL uses the NPUs' ports)", () => {
    const single = stackManifests(stackSpec("h200-fp8")).engine;
    expect(JSON.stringify(single)).not.toContain("vpc.amazonaws.com/efa");
    const pair = stackSpec("a3-bf16-pair");
    expect(JSON.stringify(stackManifests(pair).engine)).not.toMatch(/\befa\b|NCCL_IB/);
    expect(
      configErrorOf(() =>
        specFrom({
          model: { id: "glm-5-bf16-modelscope" },
          nodePool: { accelerator: "atlas-800-a3", provisioner: "static", nodes: 2, interconnect: { kind: "roce" } },
          engine: { kind: "vllm-ascend", dataParallelSize: 2, dataParallelRpcPort: 12890 },
          weightCache: { accessMode: "ReadWriteMany", storageClass: { name: "fsx-lustre", type: "fsx-lustre" } },
          leaderWorkerSet: { present: true },
        }),
      ),
    ).toContain(
      "  - glm-serving:nodePool.interconnect.kind = \"roce\"\n      allowed: unset for atlas-800-a3: HCCL uses the NPUs' own RoCE ports (seed 002's HCCL_* settings)",
    );
  });
});

/**
 * Every multi-node layout the planner suggests over the shipped stacks (as they are, and on the
 * smaller devices and bigger checkpoints that make it suggest one) is itself a stack that validates,
 * renders through the real program (every object schema-valid, the LeaderWorkerSet against its CRD)
 * and starts: each rank's entrypoint runs with the start rank (vLLM) or node rank (SGLang) of the
 * planner's layout.
 */
describe("every multi-node suggestion of the planner over the shipped stacks validates, renders and starts", () => {
  type Config = Record<string, unknown>;
  const withSetting = (cfg: Config, path: string, value: unknown): Config => {
    const [top, ...rest] = path.split(".");
    const set = (obj: unknown, keys: string[]): unknown => {
      const o = typeof obj === "object" && obj !== null ? { ...(obj as Config) } : {};
      const [k, ...more] = keys;
      o[k!] = more.length === 0 ? value : set(o[k!], more);
      return o;
    };
    return rest.length === 0 ? { ...cfg, [top!]: value } : { ...cfg, [top!]: set(cfg[top!], rest) };
  };
  const variants: Array<[string, Config]> = [
    ["as shipped", {}],
    ["on 8x H100", { "nodePool.accelerator": "h100-80gb" }],
    ["on 8x A100", { "nodePool.accelerator": "a100-80gb" }],
    ["in BF16", { "model.id": "glm-5-bf16", "model.revision": "0".repeat(40) }],
    [
      "in BF16 on 8x H100",
      { "model.id": "glm-5-bf16", "model.revision": "0".repeat(40), "nodePool.accelerator": "h100-80gb" },
    ],
  ];

  it("over every stack and variant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "glm-suggest-"));
    const stacks = readdirSync(STACKS_DIR)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    const seen = new Set<string>();
    let rendered = 0;
    const engines = new Set<string>();
    for (const stack of stacks) {
      const base = decodeConfig(readStackFile(STACKS_DIR, stack).values) as Config;
      for (const [label, changes] of variants) {
        let cfg = base;
        for (const [p, v] of Object.entries(changes)) cfg = withSetting(cfg, p, v);
        let spec: ServingSpec;
        try {
          spec = specFrom(cfg, stack);
        } catch {
          continue; // a variant the validator refuses (an Ascend checkpoint on GPUs, ...) suggests nothing
        }
        for (const alt of planStack(spec).alternatives.filter((a) => a.kind === "nodes")) {
          let next = cfg;
          for (const [p, v] of Object.entries(alt.settings)) next = withSetting(next, p, v);
          const key = JSON.stringify(next);
          if (seen.has(key)) continue;
          seen.add(key);
          const name = `suggested-${rendered}`;
          const suggested = specFrom(next, name);
          writeFileSync(join(dir, `Pulumi.${name}.yaml`), stackFileText(next));
          const { files } = await renderStack(name, dir);
          const objects = [...files.values()].map((t) => parseAllDocuments(t)[0]!.toJS() as KubernetesObject);
          for (const o of objects) validateObject(o);
          const lws = objects.find((o) => o.kind === "LeaderWorkerSet");
          expect(lws, `${stack} ${label}: "${alt.text}"`).toBeDefined();
          const nodes = alt.settings["nodePool.nodes"] as number;
          const layout = engineGroupLayout(suggested);
          for (let i = 0; i < nodes; i++) {
            const r = runRank(suggested, i);
            expect(r.status, `${stack} ${label} rank ${i}: ${r.stderr}`).toBe(0);
            if (suggested.engine.kind === "sglang") expect(after(r.argv, "--node-rank")).toBe(String(i));
            else if (i > 0) expect(after(r.argv, "--data-parallel-start-rank")).toBe(String(layout.startRanks[i]));
            // Ranks per node in the argv are the layout's, the same that sizes the pod's device request.
            if (suggested.engine.kind !== "sglang" && i === 0)
              expect(after(r.argv, "--data-parallel-size-local")).toBe(String(layout.dataLocal));
          }
          // The pod's request (from the layout) times the nodes is what the driver and the rules count.
          expect(devicesPerPod(suggested) * nodes).toBe(engineDriver(suggested.engine).devicesPerPod(suggested.engine));
          rendered++;
          engines.add(suggested.engine.kind);
        }
      }
    }
    // The variants must make the planner suggest groups, for both NVIDIA engines.
    expect(rendered).toBeGreaterThanOrEqual(19);
    expect([...engines].sort()).toEqual(["sglang", "vllm", "vllm-ascend"]);
  }, 120_000);
});
