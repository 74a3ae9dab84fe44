import { describe, expect, it } from "vitest";
import { VLLM_COMMAND, vllmArgs, vllmContainer, type VllmSpec } from "../infra/engines/vllm";
import { stackManifests } from "../infra/k8s/manifests";
import { timeBudgets } from "../infra/planner/budgets";
import {
  configErrorOf,
  deploymentOf,
  engineSpecFrom,
  flagMap,
  HAVE_SHARED,
  SKIP_SHARED_REASON,
  seedCommand,
  seedComposeCommand,
  specFrom,
  stackSpec,
  withoutRevision,
} from "./helpers";
import { processEnvVar } from "../infra/k8s/secret";

const H200_FP8 = {
  engine: { speculative: { method: "mtp", numSpeculativeTokens: 1 }, gpuMemoryUtilization: 0.85 },
};
const PINNED = "7ca2d2f1f1703aa0b189977fe3c126caf18b70e1";

/** Seed 000, "在 8× H200 GPU 上提供 FP8 服务", as written there. */
const SEED_000_H200_FP8 = [
  "vllm",
  "serve",
  "zai-org/GLM-5-FP8",
  "--tensor-parallel-size",
  "8",
  "--speculative-config.method",
  "mtp",
  "--speculative-config.num_speculative_tokens",
  "1",
  "--tool-call-parser",
  "glm47",
  "--reasoning-parser",
  "glm45",
  "--enable-auto-tool-choice",
  "--served-model-name",
  "glm-5-fp8",
  "--gpu-memory-utilization",
  "0.85",
];

/** A stack in stacks/ that runs vLLM. */
function vllmStack(name: string): VllmSpec {
  const spec = stackSpec(name);
  if (spec.engine.kind !== "vllm") throw new Error(`${name} does not run vLLM`);
  return spec as VllmSpec;
}

describe("vLLM argv", () => {
  it("reproduces seed 000's h200-fp8 command flag for flag, plus the pinned revision", () => {
    const argv = [...VLLM_COMMAND, ...vllmArgs(engineSpecFrom("vllm", H200_FP8))];
    expect(withoutRevision(argv)).toEqual(SEED_000_H200_FP8);
    expect(argv.slice(-2)).toEqual(["--revision", PINNED]);
  });

  it.skipIf(!HAVE_SHARED)(
    `matches the command in ../shared/seeds/000 itself (${HAVE_SHARED ? "present" : SKIP_SHARED_REASON})`,
    () => {
      const seed = seedCommand("000_64bd8d7cd27d4e48.txt", "vllm serve zai-org/GLM-5-FP8");
      expect(withoutRevision([...VLLM_COMMAND, ...vllmArgs(engineSpecFrom("vllm", H200_FP8))])).toEqual(seed);
    },
  );

  it("h200-glm51: seed 001's GLM-5.1 compose command (its --model as vllm serve's positional)", () => {
    const argv = withoutRevision(vllmArgs(vllmStack("h200-glm51")));
    expect(argv).toEqual([
      "zai-org/GLM-5.1-FP8",
      "--tensor-parallel-size",
      "8",
      "--tool-call-parser",
      "glm47",
      "--reasoning-parser",
      "glm45",
      "--enable-auto-tool-choice",
      "--served-model-name",
      "glm-5.1",
      "--gpu-memory-utilization",
      "0.88",
      "--max-model-len",
      "65536",
      "--trust-remote-code",
    ]);
  });

  it.skipIf(!HAVE_SHARED)(
    `h200-glm51 has the flags of the compose service in ../shared/seeds/001 (${HAVE_SHARED ? "present" : SKIP_SHARED_REASON})`,
    () => {
      const seed = seedComposeCommand("001_7abee53d21b9f263.txt");
      const ours = withoutRevision(vllmArgs(vllmStack("h200-glm51")));
      // The seed's image entrypoint is `vllm serve`; it names the model with --model, we positionally.
      expect(seed.slice(0, 2)).toEqual(["--model", ours[0]]);
      expect(flagMap(ours.slice(1))).toEqual(flagMap(seed.slice(2)));
    },
  );

  it("puts the model positional first and leaves unset flags to vLLM's defaults", () => {
    const argv = vllmArgs(engineSpecFrom("vllm", {}));
    expect(argv[0]).toBe("zai-org/GLM-5-FP8");
    expect(argv).toEqual([
      "zai-org/GLM-5-FP8",
      "--tensor-parallel-size",
      "8",
      "--tool-call-parser",
      "glm47",
      "--reasoning-parser",
      "glm45",
      "--enable-auto-tool-choice",
      "--served-model-name",
      "glm-5-fp8",
      "--revision",
      PINNED,
    ]);
  });

  it("emits every typed flag in its documented form", () => {
    const argv = vllmArgs(
      engineSpecFrom("vllm", {
        model: { id: "glm-5.1-fp8", servedModelName: "glm-5.1" },
        engine: {
          tensorParallelSize: 4,
          pipelineParallelSize: 2,
          enableExpertParallel: true,
          maxModelLen: 65536,
          maxNumSeqs: 16,
          maxNumBatchedTokens: 4096,
          kvCacheDtype: "fp8",
          enableChunkedPrefill: true,
          enablePrefixCaching: false,
          cpuOffloadGb: 20,
          trustRemoteCode: true,
          enableAutoToolChoice: false,
          port: 8077,
          extraArgs: ["--max-log-len", "100"],
        },
      }),
    );
    expect(argv).toEqual([
      "zai-org/GLM-5.1-FP8",
      "--tensor-parallel-size",
      "4",
      "--pipeline-parallel-size",
      "2",
      "--enable-expert-parallel",
      "--tool-call-parser",
      "glm47",
      "--reasoning-parser",
      "glm45",
      "--served-model-name",
      "glm-5.1",
      "--max-model-len",
      "65536",
      "--max-num-seqs",
      "16",
      "--max-num-batched-tokens",
      "4096",
      "--kv-cache-dtype",
      "fp8",
      "--enable-chunked-prefill",
      "--no-enable-prefix-caching",
      "--cpu-offload-gb",
      "20",
      "--trust-remote-code",
      "--revision",
      "f396cf805182f4ca10fa675e1a99815b3ca384db",
      "--port",
      "8077",
      "--max-log-len",
      "100",
    ]);
  });

  it("passes the API key only through the environment, from the credentials Secret", () => {
    const spec = engineSpecFrom("vllm", { apiKey: "x" }, "s", ["apiKey"]);
    const c = vllmContainer(spec, timeBudgets(spec));
    expect(c.args.join(" ")).not.toContain("api-key");
    // Target-neutral: a reference to the credential, which the Kubernetes target renders as a secretKeyRef.
    expect(c.env).toContainEqual({ name: "VLLM_API_KEY", secret: "api-key" });
    expect(c.env.map((e) => processEnvVar(spec, e))).toContainEqual({
      name: "VLLM_API_KEY",
      valueFrom: { secretKeyRef: { name: "s-credentials", key: "api-key" } },
    });
    const open = engineSpecFrom("vllm", {});
    expect(vllmContainer(open, timeBudgets(open)).env.map((e) => e.name)).not.toContain("VLLM_API_KEY");
  });

  it("runs offline against the cache and waits for engine cores as long as the startup budget", () => {
    const spec = engineSpecFrom("vllm", H200_FP8);
    const c = vllmContainer(spec, timeBudgets(spec));
    expect(c.env.slice(0, 3)).toEqual([
      { name: "HF_HOME", value: "/root/.cache/huggingface" },
      { name: "HF_HUB_OFFLINE", value: "1" },
      // Its startup budget: 756 GB from the node's NVMe at 4,000 MB/s (an estimate), plus 20 min.
      { name: "VLLM_ENGINE_READY_TIMEOUT_S", value: "1390" },
    ]);
    expect(c.image).toBe("vllm/vllm-openai:glm5");
    const onVolume = engineSpecFrom("vllm", { ...H200_FP8, weightCache: { mode: "volume" } });
    expect(vllmContainer(onVolume, timeBudgets(onVolume)).env[2]).toEqual({
      name: "VLLM_ENGINE_READY_TIMEOUT_S",
      value: "7250",
    });
  });
});

describe("vLLM streaming the weights from object storage (Run:ai model streamer)", () => {
  const uri = `s3://models/zai-org/GLM-5-FP8/${PINNED}/`;

  it("the model argument is the bucket's copy of the pinned commit, read with --load-format runai_streamer, without --revision", () => {
    const spec = engineSpecFrom("vllm", { ...H200_FP8, engine: { ...H200_FP8.engine, streamFrom: uri } }) as VllmSpec;
    const argv = vllmArgs(spec);
    expect(argv.slice(0, 3)).toEqual([uri, "--load-format", "runai_streamer"]);
    expect(argv).not.toContain("--revision");
    // Every other flag is the seed's, as without streaming.
    const plain = engineSpecFrom("vllm", H200_FP8) as VllmSpec;
    expect(argv.slice(3)).toEqual(withoutRevision(vllmArgs(plain)).slice(1));
  });

  it("a URI of another commit (or none) is refused with the copy to make", () => {
    expect(configErrorOf(() => specFrom({ engine: { streamFrom: "s3://models/zai-org/GLM-5-FP8/latest/" } }))).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        '  - glm-serving:engine.streamFrom = "s3://models/zai-org/GLM-5-FP8/latest/"',
        `      allowed: a URI whose last path segment is the pinned commit of zai-org/GLM-5-FP8 (${PINNED}): the copy of that commit's verified snapshot`,
        `      fix:     set engine.streamFrom to a URI ending in /${PINNED}/ (the download step copies that commit's verified snapshot there)`,
      ].join("\n"),
    );
    expect(configErrorOf(() => specFrom({ engine: { streamFrom: `gs://models/zai-org/GLM-5-FP8/${PINNED}/` } }))).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        `  - glm-serving:engine.streamFrom = "gs://models/zai-org/GLM-5-FP8/${PINNED}/"`,
        "      allowed: an s3:// URI: the download step copies the verified revision there and checks the copy before the engine streams from it (it makes no gs:// copy)",
        `      fix:     set engine.streamFrom to s3://<bucket>/<path>/${PINNED}/`,
      ].join("\n"),
    );
  });

  it("the download copies the verified revision to the bucket with boto3, as the engine's service account; the engine waits for the verified copy", () => {
    const m = stackManifests(
      specFrom(
        { engine: { streamFrom: uri }, weightCache: { mode: "volume" }, pod: { serviceAccountName: "glm-s3" } },
        "s",
      ),
    );
    const job = m.downloadJob!.spec!.template.spec!;
    expect(job.serviceAccountName).toBe("glm-s3");
    expect(job.containers[0]!.env).toContainEqual({ name: "STREAM_TO", value: uri });
    expect(job.initContainers![0]!.args).toEqual(["huggingface-hub==2.4.0", "hf-xet==1.8.0", "boto3==1.44.5"]);
    expect(m.cacheScripts.data!["mirror_to_bucket.py"]).toContain("def mirror(");
    const wait = deploymentOf(m).spec!.template.spec!.initContainers!.find((c) => c.name === "wait-for-weights")!;
    expect(wait.env).toContainEqual({ name: "STREAM_FROM", value: uri });
    // Without streaming, none of it.
    const plain = stackManifests(specFrom({ weightCache: { mode: "volume" } }, "s"));
    expect(plain.downloadJob!.spec!.template.spec!.containers[0]!.env!.map((e) => e.name)).not.toContain("STREAM_TO");
    expect(plain.downloadJob!.spec!.template.spec!.initContainers![0]!.args).not.toContain("boto3==1.44.5");
  });

  it("--load-format cannot also come through extraArgs", () => {
    expect(
      configErrorOf(() => specFrom({ engine: { streamFrom: uri, extraArgs: ["--load-format", "auto"] } })),
    ).toContain("engine.extraArgs");
  });
});
