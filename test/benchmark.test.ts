import { describe, expect, it } from "vitest";
import { benchArgs, benchNames, BENCH_COMMAND } from "../infra/k8s/benchmark";
import { stackManifests } from "../infra/k8s/manifests";
import { runProgram } from "../infra/render/runProgram";
import { HAVE_SHARED, SKIP_SHARED_REASON, seedCommand, specFrom } from "./helpers";

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
    expect(pod.containers[0]!.volumeMounts).toEqual([{ name: "results", mountPath: "/results" }]);
    expect(pod.volumes).toEqual([{ name: "results", persistentVolumeClaim: { claimName: "b200-bench-results" } }]);
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

  it("off by default", () => {
    const m = stackManifests(specFrom({}));
    expect(m.benchmarkJob).toBeUndefined();
    expect(m.benchmarkClaim).toBeUndefined();
  });

  it("under pulumi up, the benchmark is created after the engine's rollout", async () => {
    const { resources } = await runProgram(
      "b200",
      {
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
