import { describe, expect, it } from "vitest";
import { benchArgs, benchNames, BENCH_COMMAND } from "../infra/k8s/benchmark";
import { stackManifests } from "../infra/k8s/manifests";
import { runProgram } from "../infra/render/runProgram";
import { configErrorOf, HAVE_SHARED, SKIP_SHARED_REASON, seedCommand, specFrom } from "./helpers";

const ON = { engine: { kind: "sglang" }, nodePool: { accelerator: "b200-180gb" }, benchmark: { enabled: true } };

/** seed 003's benchmark command (its "minimal example"), as written there. */
const SEED_003_BENCH = [
  "--backend",
  "openai-chat",
  "--model",
  "zai-org/GLM-5",
  "--served-model-name",
  "glm-5-fp8",
  "--dataset-name",
  "random",
  "--random-input-len",
  "8192",
  "--random-output-len",
  "1024",
  "--num-prompts",
  "256",
  "--max-concurrency",
  "32",
  "--endpoint",
  "/v1/chat/completions",
];

describe("benchmark Job", () => {
  it("runs seed 003's workload with --save-result, against the stack's own Service", () => {
    const spec = specFrom(ON, "b200");
    const args = benchArgs(spec);
    const { resultFile } = benchNames(spec);
    expect(args).toEqual([
      ...SEED_003_BENCH,
      "--save-result",
      "--tokenizer",
      "zai-org/GLM-5-FP8",
      "--base-url",
      "http://b200.b200.svc.cluster.local:8000",
      "--result-dir",
      "/results",
      "--result-filename",
      resultFile,
    ]);
    expect(resultFile).toMatch(/^b200-[0-9a-f]{8}\.json$/);
    expect([...BENCH_COMMAND]).toEqual(["vllm", "bench", "serve"]);
  });

  it.skipIf(!HAVE_SHARED)(
    `matches the command in ../shared/seeds/003 (${HAVE_SHARED ? "present" : SKIP_SHARED_REASON})`,
    () => {
      const seed = seedCommand("003_794c08be5bc17e71.txt", "vllm bench serve", 1);
      expect(["vllm", "bench", "serve", ...benchArgs(specFrom(ON)).slice(0, SEED_003_BENCH.length)]).toEqual(seed);
    },
  );

  it("keeps the result on a volume, waits for the engine's health, and is not awaited by pulumi up", () => {
    const m = stackManifests(specFrom(ON, "b200"));
    expect(m.benchmarkClaim!.spec!.resources!.requests!["storage"]).toBe("1Gi");
    const job = m.benchmarkJob!;
    const pod = job.spec!.template.spec!;
    expect(job.metadata!.annotations).toEqual({ "pulumi.com/skipAwait": "true" });
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.initContainers![0]!.env).toContainEqual({
      name: "ENGINE_HEALTH_URL",
      value: "http://b200.b200.svc.cluster.local:8000/health",
    });
    // The tokenizer is read from the weight cache, read-only, with the hub offline, beside the engine.
    expect(pod.containers[0]!.volumeMounts).toEqual([
      { name: "results", mountPath: "/results" },
      { name: "weights", mountPath: "/root/.cache/huggingface", readOnly: true },
    ]);
    expect(pod.volumes).toEqual([
      { name: "results", persistentVolumeClaim: { claimName: "b200-bench-results" } },
      // B200 nodes keep the cache on their NVMe: the node's copy (the Job runs beside the engine).
      { name: "weights", hostPath: { path: "/mnt/k8s-disks/0/glm-serving/weights", type: "DirectoryOrCreate" } },
    ]);
    expect(pod.containers[0]!.env).toContainEqual({ name: "HF_HUB_OFFLINE", value: "1" });
    expect(pod.containers[0]!.env).toContainEqual({ name: "HF_HOME", value: "/root/.cache/huggingface" });
    expect(pod.containers[0]!.env!.map((e) => e.name)).not.toContain("HF_TOKEN");
    expect(pod.affinity!.podAffinity!.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      {
        labelSelector: {
          matchLabels: { "app.kubernetes.io/instance": "b200", "app.kubernetes.io/component": "engine" },
        },
        topologyKey: "kubernetes.io/hostname",
      },
    ]);
    expect(pod.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(pod.containers[0]!.image).toBe("vllm/vllm-openai:glm5");
  });

  it("a changed workload is a new Job; the same workload keeps its name", () => {
    const jobName = (config: Record<string, unknown>) =>
      stackManifests(specFrom(config, "b200")).benchmarkJob!.metadata!.name!;
    const a = jobName(ON);
    expect(a).toMatch(/^b200-bench-[0-9a-f]{8}$/);
    expect(jobName(ON)).toBe(a);
    expect(jobName({ ...ON, benchmark: { enabled: true, maxConcurrency: 64 } })).not.toBe(a);
  });

  it("a sweep workload: one run per concurrency, 10 prompts per unit of concurrency, each result in its file", () => {
    const spec = specFrom({ ...ON, benchmark: { enabled: true, workload: "8k1k-sweep" } }, "b200");
    const args = benchArgs(spec);
    expect(args).not.toContain("--num-prompts");
    expect(args).not.toContain("--max-concurrency");
    expect(args).not.toContain("--result-filename");
    expect(args.slice(args.indexOf("--random-input-len"), args.indexOf("--random-input-len") + 4)).toEqual([
      "--random-input-len",
      "8192",
      "--random-output-len",
      "1024",
    ]);
    const bench = stackManifests(spec).benchmarkJob!.spec!.template.spec!.containers[0]!;
    expect(bench.command![2]).toContain(
      'vllm bench serve "$@" --num-prompts "$n" --max-concurrency "$c" --result-filename "$f"',
    );
    expect(bench.env).toContainEqual({ name: "CONCURRENCIES", value: "1 4 8 16 32 64 128" });
    expect(bench.env).toContainEqual({ name: "PROMPTS", value: "10 40 80 160 320 640 1280" });
    const oneK = benchArgs(specFrom({ ...ON, benchmark: { enabled: true, workload: "1k1k-sweep" } }, "b200"));
    expect(oneK[oneK.indexOf("--random-input-len") + 1]).toBe("1024");
  });

  it("a realistic-text dataset: sharegpt from a file on the results volume, never downloaded", () => {
    const spec = specFrom(
      { ...ON, benchmark: { enabled: true, datasetName: "sharegpt", datasetPath: "/results/sharegpt.json" } },
      "b200",
    );
    const args = benchArgs(spec);
    expect(args.slice(args.indexOf("--dataset-name"), args.indexOf("--dataset-name") + 6)).toEqual([
      "--dataset-name",
      "sharegpt",
      "--dataset-path",
      "/results/sharegpt.json",
      "--sharegpt-output-len",
      "1024",
    ]);
    expect(args).not.toContain("--random-input-len");
    expect(configErrorOf(() => specFrom({ ...ON, benchmark: { enabled: true, datasetName: "sharegpt" } }))).toContain(
      "a file path, when datasetName is sharegpt (the dataset is read from the results volume, not downloaded)",
    );
  });

  it("off by default", () => {
    const m = stackManifests(specFrom({}));
    expect(m.benchmarkJob).toBeUndefined();
    expect(m.benchmarkClaim).toBeUndefined();
  });

  it("under pulumi up, the benchmark is created after the engine's rollout", async () => {
    const { resources } = await runProgram(
      "b200",
      {
        "glm-serving:service": '{"auth":"none"}',
        "glm-serving:engine": JSON.stringify(ON.engine),
        "glm-serving:nodePool": JSON.stringify(ON.nodePool),
        "glm-serving:benchmark": JSON.stringify(ON.benchmark),
      },
      [],
    );
    const types = resources.map((r) => r.type);
    expect(types).toContain("glm:serving:Benchmark");
    expect(types).toContain("glm:serving:SglangEngine");
    // Registration order follows dependencies: the Job comes after the engine Deployment.
    const deployment = resources.findIndex((r) => r.type === "kubernetes:apps/v1:Deployment");
    const benchJob = resources.findIndex(
      (r) => r.name.startsWith("b200-bench-") && r.type === "kubernetes:batch/v1:Job",
    );
    expect(benchJob).toBeGreaterThan(deployment);
  });
});
