import { describe, expect, it } from "vitest";
import { dockerEndpoint, dockerEngineContainer, dockerProject } from "../infra/docker/container";
import { engineDriver } from "../infra/engines";
import { timeBudgets } from "../infra/planner/budgets";
import { runProgram } from "../infra/render/runProgram";
import { readStackFile } from "../infra/render/stackFile";
import {
  configErrorOf,
  HAVE_SHARED,
  SKIP_SHARED_REASON,
  seedCommand,
  specFrom,
  stackSpec,
  STACKS_DIR,
  withoutRevision,
} from "./helpers";

const stack = stackSpec;

describe("single-host Docker target", () => {
  const spec = stack("h200-docker");
  const c = dockerEngineContainer(spec, timeBudgets(spec));

  it.skipIf(!HAVE_SHARED)(
    `h200-docker reproduces seed 000's Docker quick start (${HAVE_SHARED ? "../shared/seeds/000" : SKIP_SHARED_REASON})`,
    () => {
      const seed = seedCommand("000_64bd8d7cd27d4e48.txt", "docker run --gpus all -p 8000:8000");
      const image = seed.indexOf("vllm/vllm-openai:glm5");
      expect(c.image).toBe(seed[image]);
      expect(withoutRevision(c.command)).toEqual(seed.slice(image + 1));
      expect(seed.slice(2, image)).toEqual([
        "--gpus",
        "all",
        "-p",
        "8000:8000",
        "--ipc=host",
        "-v",
        "~/.cache/huggingface:/root/.cache/huggingface",
      ]);
    },
  );

  it("GPUs, host IPC, the published port, the cache and a restart policy, as docker run gets them", () => {
    expect(c).toMatchObject({
      image: "vllm/vllm-openai:glm5",
      entrypoints: ["vllm", "serve"],
      gpus: "all",
      ipcMode: "host",
      ports: [{ internal: 8000, external: 8000 }],
      volumes: [{ containerPath: "/root/.cache/huggingface", hostPath: "/root/.cache/huggingface" }],
      restart: "unless-stopped",
    });
    expect(c.command.slice(0, 3)).toEqual(["zai-org/GLM-5-FP8", "--tensor-parallel-size", "8"]);
    expect(dockerEndpoint(spec)).toBe("http://localhost:8000/v1");
  });

  it("the container's inputs are the Kubernetes engine's argv, for every engine", () => {
    for (const config of [
      {},
      { engine: { kind: "sglang" } },
      { engine: { speculative: { method: "mtp", numSpeculativeTokens: 1 } } },
    ]) {
      const k8s = specFrom(config, "x");
      const onDocker = specFrom({ ...config, target: "docker" }, "x");
      const kube = engineDriver(k8s.engine).process(k8s, timeBudgets(k8s));
      const dock = dockerEngineContainer(onDocker, timeBudgets(onDocker));
      expect(dock.entrypoints).toEqual([...kube.command]);
      expect(dock.command).toEqual([...kube.args]);
      expect(dock.image).toBe(kube.image);
    }
  });

  it("the engine runs offline on the cache the download verified, mounted read-only; the token goes to the download", () => {
    expect(c.envs).toContain("HF_HUB_OFFLINE=1");
    expect(c.volumes).toEqual([
      { containerPath: "/root/.cache/huggingface", hostPath: "/root/.cache/huggingface", readOnly: true },
    ]);
    const withToken = specFrom({ target: "docker", hfToken: "t", apiKey: "k" }, "x", ["hfToken", "apiKey"]);
    const [download, engine] = dockerProject(withToken, timeBudgets(withToken)).containers;
    expect(download!.secretEnvs).toEqual([{ name: "HF_TOKEN", key: "hf-token" }]);
    expect(download!.oneShot).toBe(true);
    expect(engine!.secretEnvs).toEqual([{ name: "VLLM_API_KEY", key: "api-key" }]);
  });

  it("registers the pulled image, the download and the engine container, no Kubernetes object", async () => {
    const f = readStackFile(STACKS_DIR, "h200-docker");
    const { resources, outputs } = await runProgram("h200-docker", f.values, f.secretKeys);
    expect(resources.map((r) => r.type)).toEqual([
      "pulumi:pulumi:Stack",
      "glm:serving:DockerEngine",
      "docker:index/remoteImage:RemoteImage",
      "docker:index/container:Container",
      "docker:index/container:Container",
    ]);
    expect(outputs["endpoint"]).toBe("http://localhost:8000/v1");
  });

  it("a remote host is the endpoint's host", () => {
    expect(dockerEndpoint(specFrom({ target: "docker", docker: { host: "ssh://ops@gpu-01.example.com" } }))).toBe(
      "http://gpu-01.example.com:8000/v1",
    );
  });

  it("refuses to build an image it would not push anywhere a docker host pulls from", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          target: "docker",
          images: {
            build: true,
            registry: "registry.example.com/glm",
            tag: "1",
            baseImage: `vllm/vllm-openai@sha256:${"cd".repeat(32)}`,
            transformersCommit: "0123456789abcdef0123456789abcdef01234567",
          },
        }),
      ),
    ).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        "  - glm-serving:images.build = true",
        "      allowed: false with target docker (pin the engine image by tag and digest instead)",
        "      fix:     pulumi config set --path images.build false",
      ].join("\n"),
    );
  });

  it("refuses what only a cluster has", () => {
    expect(configErrorOf(() => specFrom({ target: "docker", benchmark: { enabled: true } }))).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        "  - glm-serving:benchmark.enabled = true",
        "      allowed: false with target docker (the benchmark is a Kubernetes Job)",
        "      fix:     pulumi config set --path benchmark.enabled false",
      ].join("\n"),
    );
  });
});
