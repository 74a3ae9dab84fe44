import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { CapacityError } from "../infra/planner/gate";
import { planStack } from "../infra/planner/fromSpec";
import { readSpec } from "../infra/program";
import { PROJECT } from "../infra/render/runProgram";
import { renderStack } from "../infra/render/renderStack";
import { readStackFile } from "../infra/render/stackFile";
import { loadSpec } from "../infra/config/load";
import { timeBudgets } from "../infra/planner/budgets";
import { coldStart } from "../infra/planner/coldStart";
import { command as planCommand } from "../scripts/plan";
import { runCli, specFrom, stackFileText, STACKS_DIR } from "./helpers";
import { runCliInProcess } from "./inProcess";

const stackSpecOf = (stack: string) => {
  const f = readStackFile(STACKS_DIR, stack);
  return loadSpec({ stack, values: f.values, secretKeys: new Set(f.secretKeys) });
};

const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);
const stackFiles = Object.fromEntries(
  STACKS.map((s) => [`Pulumi.${s}.yaml`, readFileSync(join(STACKS_DIR, `Pulumi.${s}.yaml`), "utf8")]),
);
/** h200-fp8's settings on H100s: seed 000's "minimum". */
const ON_H100 = {
  nodePool: { accelerator: "h100-80gb" },
  engine: { speculative: { method: "mtp", numSpeculativeTokens: 1 }, gpuMemoryUtilization: 0.85 },
};

/** Seed 002's A2 command keeps 640 KV tokens beyond its one 32,768-token sequence: tight, not fits. */
const TIGHT_STACKS = new Set(["a2-w4a8"]);

describe("every stack in stacks/ fits", () => {
  for (const stack of STACKS) {
    it(stack, () => {
      const file = readStackFile(STACKS_DIR, stack);
      const plan = planStack(loadSpec({ stack, values: file.values, secretKeys: new Set(file.secretKeys) }));
      expect(plan.problems).toEqual([]);
      expect(plan.fits).toBe(true);
      expect(plan.verdict).toBe(TIGHT_STACKS.has(stack) ? "tight" : "fits");
    });
  }
});

describe("replicas and groups", () => {
  it("--json counts pod.replicas: every group is a model replica with its own KV cache and nodes", () => {
    const spec = loadSpec({
      stack: "two",
      values: {
        "glm-serving:service": JSON.stringify({ auth: "none" }),
        "glm-serving:pod": JSON.stringify({ replicas: 2 }),
        "glm-serving:weightCache": JSON.stringify({
          accessMode: "ReadWriteMany",
          storageClass: { name: "efs-sc", type: "efs" },
        }),
        "glm-serving:engine": JSON.stringify({ gpuMemoryUtilization: 0.85 }),
        "glm-serving:nodePool": JSON.stringify({ karpenter: { maxNodes: 2 } }),
      },
      secretKeys: new Set(),
    });
    const plan = planStack(spec);
    expect(plan).toMatchObject({ replicas: 2, dataParallelReplicas: 1, groups: 2, nodes: 1, totalNodes: 2 });
    const one = planStack(
      loadSpec({
        stack: "one",
        values: {
          "glm-serving:engine": JSON.stringify({ gpuMemoryUtilization: 0.85 }),
          "glm-serving:service": JSON.stringify({ auth: "none" }),
        },
        secretKeys: new Set(),
      }),
    );
    expect(plan.maxConcurrentSequencesAtMaxLen).toBeCloseTo(2 * one.maxConcurrentSequencesAtMaxLen, 1);
    const pair = planStack(
      loadSpec({ stack: "a2-w4a8-pair", ...readStackFile(STACKS_DIR, "a2-w4a8-pair"), secretKeys: new Set() }),
    );
    expect(pair).toMatchObject({ replicas: 2, dataParallelReplicas: 2, groups: 1, nodes: 2, totalNodes: 2 });
  });
});

describe("npm run plan", () => {
  it("prints the table with the memory bar and verdict for h200-fp8", () => {
    const r = runCli("plan", ["h200-fp8"], stackFiles);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Capacity plan for stack "h200-fp8": GLM-5 FP8 (fp8-block) with vllm');
    expect(r.stdout).toContain(
      "  [WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWoooKKKKKKKKKK........]  W weights  o overhead  K KV cache  . free",
    );
    expect(r.stdout).toContain(
      "  KV cache   101,436 bytes per token per device -> 257,280 tokens = 1.26 sequences of max-model-len 202,752",
    );
    // The image's vLLM (0.16) captures CUDA graphs after allocating the KV cache: 2 GiB more cache
    // than a plan that charges them inside the utilisation share (236,096 tokens before).
    expect(r.stdout).toContain(
      "  graphs     CUDA graphs outside the KV budget: vllm/vllm-openai:glm5 runs vLLM 0.16.0, before 0.21.0",
    );
    expect(r.stdout).toContain(
      "  verdict    FITS, margin 18.97 GiB free per device, 54,528 KV tokens (27%) beyond one max-model-len sequence",
    );
  });

  it("--json prints one object with the documented keys", async () => {
    const r = await runCliInProcess(planCommand, ["h200-fp8", "--json"], stackFiles);
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of [
      "stack",
      "fits",
      "nodes",
      "devicesPerNode",
      "weightBytesPerDevice",
      "overheadBytesPerDevice",
      "kvCacheBytesPerDevice",
      "kvBytesPerTokenPerDevice",
      "kvCacheTokens",
      "maxConcurrentSequencesAtMaxLen",
      "problems",
    ]) {
      expect(plan).toHaveProperty(key);
    }
    expect(plan).toMatchObject({
      stack: "h200-fp8",
      fits: true,
      verdict: "fits",
      nodes: 1,
      devicesPerNode: 8,
      kvCacheTokens: 257_280,
      replicas: 1,
      groups: 1,
      totalNodes: 1,
      problems: [],
    });
    expect(plan["budgets"]).toMatchObject({ startupSeconds: 1390 });
  });

  it("prints h200-fp8's cold-start timeline, phase by phase, with the bandwidths it assumed and their source", async () => {
    const r = await runCliInProcess(planCommand, ["h200-fp8"], stackFiles);
    // On the node's NVMe (p5en / p5e instance store as RAID0): 9,142 s first, 1,390 s on a restart,
    // against 20,862 s and 7,250 s on the gp3 volume it used before; each option with its source.
    expect(r.stdout).toContain(
      [
        "  cold start (an empty cache to a ready API on node-local NVMe; a restart skips download and verify)",
        "    download [#################################       ]   7562 s  756.2 GB at 100 MB/s",
        "    verify   [                                 #      ]    190 s  hash every byte once at 4000 MB/s; a restart only stats the files",
        "    load     [                                  #     ]    190 s  756.2 GB from the node's NVMe at 4000 MB/s",
        "    compile  [                                   #####]   1200 s  torch.compile, kernel JIT, autotuning, graph capture: pod.warmupMinutes, a budget",
        "    ready     first start 9142 s (2 h 32 min); restart 1390 s (23 min 10 s)",
        "    assumed   download 100 MB/s (weightCache.downloadBandwidthMBps default, an assumed sustained hub download rate, not a measurement)",
        "              read 4000 MB/s (weightCache.readBandwidthMBps default for a node-local cache: an estimate, not a measurement: AWS publishes no throughput for the p5/p6 instance store; 8 NVMe drives as RAID0 read more, a safetensors loader often less)",
        "  per storage option (the same download and compile budget)",
        "    network volume     125 MB/s  first start  20862 s, restart   7250 s  (EBS gp3 baseline throughput, 125 MiB/s per volume (AWS EBS volume types), published)",
        "  * node-local NVMe   4000 MB/s  first start   9142 s, restart   1390 s  (an estimate, not a measurement: AWS publishes no throughput for the p5/p6 instance store; 8 NVMe drives as RAID0 read more, a safetensors loader often less)",
        "    bucket stream     2000 MB/s  first start   9710 s, restart   1579 s  (an estimate, not a measurement: S3 throughput scales with connections (the streamer's concurrency) up to the instance's network)",
      ].join("\n"),
    );
  });

  it("a shared volume's readers share its bandwidth; SGLang has no bucket option", () => {
    const scale = coldStart(stackSpecOf("h200-fp8-scale"));
    // Three replicas read one FSx volume at its stated 1,000 MB/s: 3 x 757 s.
    expect(scale.storage).toBe("network-volume");
    expect(scale.phases.find((p) => p.phase === "load")!.seconds).toBe(3 * 757);
    expect(scale.options.find((o) => o.current)).toMatchObject({
      option: "network-volume",
      mbps: 1000,
      source: "set by the stack",
    });
    const sglang = coldStart(stackSpecOf("b200-sglang"));
    expect(sglang.options.find((o) => o.option === "bucket-stream")!.unavailable).toBe(
      "sglang has no engine.streamFrom (vLLM's --load-format runai_streamer)",
    );
  });

  it("a stack streaming from a bucket: the mirror and the load at the bucket's rate", () => {
    const spec = specFrom({
      engine: { streamFrom: "s3://models/zai-org/GLM-5-FP8/7ca2d2f1f1703aa0b189977fe3c126caf18b70e1/" },
    });
    const t = coldStart(spec);
    expect(t.storage).toBe("bucket-stream");
    expect(t.phases.map((p) => [p.phase, p.seconds])).toEqual([
      ["download", 7562],
      ["verify", 190],
      ["mirror", 379],
      ["load", 379],
      ["compile", 1200],
    ]);
    expect(t.restartSeconds).toBe(379 + 1200);
  });

  it("the timeline's phases add up, and a restart is load plus compile (the budgets' startup)", () => {
    const spec = loadSpec({
      stack: "h200-fp8",
      values: readStackFile(STACKS_DIR, "h200-fp8").values,
      secretKeys: new Set(),
    });
    const t = coldStart(spec);
    expect(t.phases.map((p) => p.phase)).toEqual(["download", "verify", "load", "compile"]);
    expect(t.firstStartSeconds).toBe(t.phases.reduce((s, p) => s + p.seconds, 0));
    expect(t.restartSeconds).toBe(timeBudgets(spec).startupSeconds);
  });

  it("an unfit stack: the verdict, why, what would fit; exit 1", async () => {
    const r = await runCliInProcess(planCommand, ["h100"], { "Pulumi.h100.yaml": stackFileText(ON_H100) });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("  verdict    DOES NOT FIT");
    expect(r.stdout).toContain(
      "    - the weights alone, 90.00 GiB per device, are more than all of one h100-80gb device (79.11 GiB)",
    );
    expect(r.stdout).toContain("  would fit with:\n    - more devices: 4 nodes of 8 x h100-80gb");
  });
});

describe("an unfit stack is refused before anything is created", () => {
  it("render: exit 1, the plan's numbers on stderr, nothing written", () => {
    const r = runCli("render", ["h100", "--out", "out"], { "Pulumi.h100.yaml": stackFileText(ON_H100) });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Stack "h100" does not fit its devices; nothing was deployed.');
    expect(r.stderr).toContain("weights 90.00 GiB + overhead 4.53 GiB = 94.53 GiB exceed the 67.24 GiB vllm may use");
    expect(r.stdout).toBe("");
  });

  it("render (in process) throws the CapacityError with the plan", async () => {
    const dir = mkdtempSync(join(tmpdir(), "glm-unfit-"));
    writeFileSync(join(dir, "Pulumi.h100.yaml"), stackFileText(ON_H100));
    const err = await renderStack("h100", dir).catch((e: unknown) => e);
    expect(CapacityError.isInstance(err)).toBe(true);
    expect((err as CapacityError).plan).toMatchObject({ stack: "h100", fits: false, accelerator: "h100-80gb" });
  });

  it("the Pulumi program: a RunError carrying the plan", async () => {
    await pulumi.runtime.setMocks(
      { newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs },
      PROJECT,
      "h100",
    );
    pulumi.runtime.setAllConfig({
      "glm-serving:service": '{"auth":"none"}',
      "glm-serving:nodePool": JSON.stringify(ON_H100.nodePool),
      "glm-serving:engine": JSON.stringify(ON_H100.engine),
    });
    let err: unknown;
    try {
      readSpec();
    } catch (e) {
      err = e;
    }
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect((err as Error).message.split("\n")[0]).toBe('Stack "h100" does not fit its devices; nothing was deployed.');
    expect((err as Error).message).toContain("  verdict    DOES NOT FIT");
  });
});
