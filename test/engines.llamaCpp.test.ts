import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GLM5_ARCHITECTURE } from "../infra/catalog/architectures";
import { MODELS } from "../infra/catalog/models";
import { dockerEngineContainer } from "../infra/docker/container";
import { LLAMA_START_SCRIPT, llamaCppArgs } from "../infra/engines/llamaCpp";
import { stackManifests } from "../infra/k8s/manifests";
import { TOOL_CALL_SMOKE_SCRIPT } from "../infra/k8s/smokeTest";
import { timeBudgets } from "../infra/planner/budgets";
import { planCapacity } from "../infra/planner/capacity";
import { capacityInput, planStack } from "../infra/planner/fromSpec";
import { offloadPlacement } from "../infra/planner/offload";
import { checkpointBytes } from "../infra/catalog/weights";
import {
  configErrorOf,
  deploymentOf,
  engineSpecFrom,
  flagMap,
  HAVE_SHARED,
  seedCommand,
  SKIP_SHARED_REASON,
  specFrom,
  stackSpec,
} from "./helpers";

const GiB = 2 ** 30;
const SEED = "001_7abee53d21b9f263.txt";
const STACK = "h100-glm51-llamacpp";

describe("llama.cpp: GGUF checkpoints in the catalog", () => {
  it("reproduces the published sizes of AesSedai's GLM-5.1 quantisations from their mixtures", () => {
    const published = { "gguf-q4_k_m": 432.8, "gguf-iq4_xs": 336.61, "gguf-iq3_s": 259.89 } as const;
    for (const [q, gib] of Object.entries(published)) {
      const derived = checkpointBytes(GLM5_ARCHITECTURE, q as keyof typeof published) / GiB;
      expect(Math.abs(derived - gib) / gib, q).toBeLessThan(0.004);
    }
  });

  it("calibrates unsloth's dynamic quantisations on the GLM-5.2 sizes they cite", () => {
    const cited = {
      "gguf-ud-iq2_m": 238_577_580_768,
      "gguf-ud-q2_k_xl": 253_878_401_856,
      "gguf-ud-iq3_xxs": 281_688_431_424,
    };
    for (const [q, bytes] of Object.entries(cited)) {
      expect(Math.abs(checkpointBytes(GLM5_ARCHITECTURE, q as keyof typeof cited) / bytes - 1), q).toBeLessThan(0.001);
    }
  });

  it("lists every split file of a quantisation, the first of which llama.cpp is given", () => {
    expect(MODELS["glm-5.1-gguf-ud-iq3_xxs"].gguf).toEqual({
      directory: "UD-IQ3_XXS",
      files: [1, 2, 3, 4, 5, 6, 7].map((i) => `GLM-5.1-UD-IQ3_XXS-0000${i}-of-00007.gguf`),
    });
    expect(MODELS["glm-5.1-gguf-ud-iq2_m"].gguf.files).toHaveLength(6);
  });

  it("GLM-5 too: unsloth/GLM-5-GGUF's UD-IQ2_XXS, six split files, sized on the 241 GB unsloth's GLM-5 guide gives", () => {
    const m = MODELS["glm-5-gguf-ud-iq2_xxs"];
    expect([m.repo, m.revision, m.displayName, m.defaultServedModelName]).toEqual([
      "unsloth/GLM-5-GGUF",
      "main",
      "GLM-5 GGUF UD-IQ2_XXS (unsloth)",
      "glm-5",
    ]);
    expect(m.gguf).toEqual({
      directory: "UD-IQ2_XXS",
      files: [1, 2, 3, 4, 5, 6].map((i) => `GLM-5-UD-IQ2_XXS-0000${i}-of-00006.gguf`),
    });
    // Published rounded to a GB.
    expect(Math.abs(m.checkpointBytes - 241e9)).toBeLessThan(0.5e9);
  });

  it("suggests quantisations of the same release only: GLM-5's and GLM-5.1's GGUFs share an architecture, not a model", () => {
    const input = capacityInput(stackSpec(STACK));
    const glm5 = MODELS["glm-5-gguf-ud-iq2_xxs"];
    const p = planCapacity({
      ...input,
      model: { ...input.model, id: glm5.id, quantization: glm5.quantization, displayName: glm5.displayName },
      expertOffload: { ...input.expertOffload!, cpuMoeLayers: 0 },
    });
    expect(p.verdict).toBe("does-not-fit");
    expect(p.suggestions.filter((s) => s.startsWith("another quantisation"))).toEqual([]);
    expect(p.suggestions.join("\n")).not.toContain("glm-5.1-gguf");
  });
});

describe("llama.cpp: the stack against seed 001's option A", () => {
  it.skipIf(!HAVE_SHARED)(
    "passes the seed's flags with the seed's values, adding --n-cpu-moe, --jinja, --alias",
    () => {
      const seed = seedCommand(SEED, "docker run --gpus all -it --rm -p 8080:8080");
      const image = seed.findIndex((a) => a.startsWith("ghcr.io/"));
      const seedArgs = seed.slice(image + 1);
      expect(seedArgs.slice(0, 2)).toEqual(["-m", "/models/glm-5.1-q4_k_m.gguf"]);
      const ours = llamaCppArgs(stackSpec(STACK) as Parameters<typeof llamaCppArgs>[0]);
      const { "--n-cpu-moe": ncmoe, "--jinja": jinja, "--alias": alias, ...rest } = flagMap(ours);
      expect(rest).toEqual(flagMap(seedArgs.slice(2)));
      expect({ ncmoe, jinja, alias }).toEqual({ ncmoe: "63", jinja: "", alias: "glm-5.1" });
    },
  );
  it.skipIf(HAVE_SHARED)(SKIP_SHARED_REASON, () => {});

  it("renders the argv, the start step and the environment of the engine container", () => {
    const c = deploymentOf(stackManifests(stackSpec(STACK))).spec!.template.spec!.containers[0]!;
    expect(c.args).toEqual([
      "--n-gpu-layers",
      "80",
      "--ctx-size",
      "32768",
      "--n-cpu-moe",
      "63",
      "--jinja",
      "--alias",
      "glm-5.1",
      "--port",
      "8080",
      "--host",
      "0.0.0.0",
    ]);
    expect(c.command).toEqual(["/bin/sh", "-c", LLAMA_START_SCRIPT, "llama-server"]);
    expect(c.image).toBe(
      "ghcr.io/ggml-org/llama.cpp:server-cuda-b10257@sha256:37dd122824e58af9ec861955242abdeeade5a1dcf0ad768bf2b37f903c2805c6",
    );
    expect(c.env).toEqual([
      { name: "HF_HOME", value: "/root/.cache/huggingface" },
      { name: "MODEL_REPO", value: "unsloth/GLM-5.1-GGUF" },
      { name: "MODEL_REVISION", value: "main" },
      { name: "GGUF_FILE", value: "UD-IQ3_XXS/GLM-5.1-UD-IQ3_XXS-00001-of-00007.gguf" },
      // Closed by default: llama-server reads --api-key from LLAMA_API_KEY, the Secret the stack names.
      {
        name: "LLAMA_API_KEY",
        valueFrom: { secretKeyRef: { name: "h100-glm51-llamacpp-api-key", key: "api-key" } },
      },
    ]);
    expect(c.resources?.limits).toEqual({ cpu: "14", memory: "240Gi", "nvidia.com/gpu": "1" });
  });

  it("downloads only the quantisation's directory, in an image with Python", () => {
    const m = stackManifests(stackSpec(STACK));
    // Node-local on the p5.4xlarge instance store (3,800 GB): the engine's pod fills its node's cache.
    expect(m.downloadJob).toBeUndefined();
    const download = deploymentOf(m).spec!.template.spec!.initContainers!.find((c) => c.name === "fill-node-cache")!;
    expect(download.args).toEqual(["--include", "UD-IQ3_XXS/*"]);
    // The cache's own small image (python, the hub client installed first), as for every engine.
    expect(download.image).toBe("docker.io/library/python:3.12.12-slim-bookworm");
  });

  it("smoke-tests a tool call (--jinja) from the tools image", () => {
    const job = stackManifests(stackSpec(STACK)).smokeTestJob!;
    const c = job.spec!.template.spec!.containers[0]!;
    expect(c.image).toBe("docker.io/library/python:3.12.12-slim-bookworm");
    expect(c.command).toEqual(["python3", "-c", TOOL_CALL_SMOKE_SCRIPT]);
  });

  it("the start step finds the first split file of the commit a branch points at, and passes the flags on", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, chmodSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const home = mkdtempSync(join(tmpdir(), "llama-start-"));
    const repo = join(home, "hub", "models--unsloth--GLM-5.1-GGUF");
    const commit = "a".repeat(40);
    mkdirSync(join(repo, "refs"), { recursive: true });
    writeFileSync(join(repo, "refs", "main"), commit);
    // The script execs /app/llama-server; run it with that path pointed at a stand-in that echoes.
    const fake = join(home, "llama-server");
    writeFileSync(fake, '#!/bin/sh\necho "$@"\n');
    chmodSync(fake, 0o755);
    const script = LLAMA_START_SCRIPT.replace("/app/llama-server", fake);
    const run = (revision: string) =>
      new Promise<string>((ok) => {
        const p = spawn("/bin/sh", ["-c", script, "llama-server", "--port", "8080"], {
          env: {
            PATH: process.env["PATH"],
            HF_HOME: home,
            MODEL_REPO: "unsloth/GLM-5.1-GGUF",
            MODEL_REVISION: revision,
            GGUF_FILE: "Q/f-00001-of-00002.gguf",
          },
        });
        let out = "";
        p.stdout.on("data", (d) => (out += d));
        p.on("close", () => ok(out));
      });
    const snapshot = `${repo}/snapshots/${commit}/Q/f-00001-of-00002.gguf`;
    expect(await run("main")).toBe(`glm-serving: llama-server on ${snapshot}\n--model ${snapshot} --port 8080\n`);
    const pinned = "b".repeat(40);
    expect(await run(pinned)).toContain(`--model ${repo}/snapshots/${pinned}/Q/f-00001-of-00002.gguf --port 8080`);
  });
});

describe("llama.cpp: the planner's device and host memory", () => {
  it("fits the stack: weights, KV cache and compute buffer on the GPU, the other experts in host memory", () => {
    const p = planStack(stackSpec(STACK));
    expect(p.verdict).toBe("fits");
    expect({
      gpuWeights: (p.weightBytesPerDevice / GiB).toFixed(2),
      hostWeights: (p.offloadedBytesPerDevice / GiB).toFixed(2),
      kv: (p.kvCacheBytesPerDevice / GiB).toFixed(2),
      free: (p.freeBytesPerDevice / GiB).toFixed(2),
      host: (p.hostMemoryBytesPerNode / GiB).toFixed(2),
      kvPerToken: p.kvBytesPerTokenPerDevice,
    }).toEqual({
      gpuWeights: "69.46",
      hostWeights: "192.88",
      kv: "3.39",
      free: "3.25",
      host: "200.88",
      kvPerToken: 111232,
    });
  });

  it("refuses the seed's Q4_K_M on the seed's 80 GB + 256 GB and names the quantisations that fit", () => {
    // The seed's layout: all 80 layers on the GPU, no experts in host memory, the Q4_K_M file.
    const input = capacityInput(stackSpec(STACK));
    const p = planCapacity({
      ...input,
      model: { ...input.model, quantization: "gguf-q4_k_m", displayName: "GLM-5.1 Q4_K_M" },
      expertOffload: { ...input.expertOffload!, cpuMoeLayers: 0 },
    });
    expect(p.verdict).toBe("does-not-fit");
    expect(p.problems).toEqual([
      "weights on the GPU 431.53 GiB + KV cache 3.39 GiB (32,768 tokens) + compute buffer 3.00 GiB = 437.92 GiB exceed one h100-80gb-x1 device (79.11 GiB)",
    ]);
    expect(p.suggestions).toEqual([
      "another quantisation: model.id glm-5.1-gguf-ud-iq2_m with engine.nCpuMoe 60 (69.02 GiB of weights on the GPU, 153.17 GiB in host memory, pod.memory 162Gi or more)",
      "another quantisation: model.id glm-5.1-gguf-ud-q2_k_xl with engine.nCpuMoe 61 (69.73 GiB of weights on the GPU, 166.72 GiB in host memory, pod.memory 175Gi or more)",
    ]);
  });

  it("ships the fewest --n-cpu-moe blocks that fit with the 2 GiB margin: the planner's own suggestion", () => {
    const input = capacityInput(stackSpec(STACK));
    const p = planCapacity({ ...input, expertOffload: { ...input.expertOffload!, cpuMoeLayers: 0 } });
    expect(p.alternatives[0]).toEqual({
      kind: "offload",
      text: "experts in host memory: engine.nCpuMoe 63 (69.46 GiB of weights on the GPU, 192.88 GiB in host memory, pod.memory 201Gi or more)",
      settings: { "engine.nCpuMoe": 63, "pod.memory": "201Gi" },
      verdict: "fits",
    });
    const tight = planCapacity({ ...input, expertOffload: { ...input.expertOffload!, cpuMoeLayers: 62 } });
    expect(tight.verdict).toBe("tight");
  });

  it("refuses a layout whose host memory cannot hold the offloaded experts", () => {
    const p = planStack(
      engineSpecFrom("llama-cpp", {
        model: { id: "glm-5.1-gguf-ud-iq3_xxs" },
        nodePool: { accelerator: "h100-80gb-x1" },
        engine: { kind: "llama-cpp", nGpuLayers: 80, ctxSize: 32768, overrideTensor: ["exps=CPU"] },
        pod: { memory: "128Gi" },
      }),
    );
    expect(p.problems).toEqual([
      "244.06 GiB of weights in host memory + 8.00 GiB for the process need 252.06 GiB, more than the pod's 128.00 GiB",
    ]);
    expect(p.suggestions).toEqual([]);
  });

  it("puts whole blocks in host memory below --n-gpu-layers, the token embedding always", () => {
    const all = offloadPlacement(GLM5_ARCHITECTURE, "gguf-q4_k_m", {
      gpuLayers: 999,
      cpuMoeLayers: 0,
      allExpertsOnCpu: false,
      ctxSize: 1,
      gpus: 1,
    });
    const none = offloadPlacement(GLM5_ARCHITECTURE, "gguf-q4_k_m", {
      gpuLayers: 0,
      cpuMoeLayers: 0,
      allExpertsOnCpu: false,
      ctxSize: 1,
      gpus: 1,
    });
    expect(none.deviceWeightBytes).toBe(0);
    expect(none.kvBytesPerToken).toBe(0);
    expect(all.deviceWeightBytes + all.hostWeightBytes).toBe(none.hostWeightBytes);
    expect(all.hostWeightBytes).toBe(Math.ceil((154_880 * 6144 * 8.5) / 8));
  });
});

describe("llama.cpp: checkpoint formats", () => {
  it("refuses a GGUF checkpoint for vLLM and SGLang", () => {
    expect(configErrorOf(() => specFrom({ model: { id: "glm-5.1-gguf-ud-q2_k_xl" } }))).toContain(
      `  - glm-serving:model.id = "glm-5.1-gguf-ud-q2_k_xl"
      allowed: a safetensors checkpoint, which engine.kind vllm loads (glm-5-fp8, glm-5-bf16, glm-5.1-fp8, glm-5.1-bf16); glm-5.1-gguf-ud-q2_k_xl is gguf
      fix:     set model.id to one of glm-5-fp8, glm-5-bf16, glm-5.1-fp8, glm-5.1-bf16, or choose the engine for gguf checkpoints`,
    );
    expect(
      configErrorOf(() => specFrom({ model: { id: "glm-5.1-gguf-ud-q2_k_xl" }, engine: { kind: "sglang" } })),
    ).toContain("allowed: a safetensors checkpoint, which engine.kind sglang loads");
  });

  it("refuses a safetensors checkpoint for llama.cpp", () => {
    expect(
      configErrorOf(() =>
        specFrom({
          model: { id: "glm-5.1-fp8" },
          nodePool: { accelerator: "h100-80gb-x1" },
          engine: { kind: "llama-cpp" },
        }),
      ),
    ).toContain(
      `  - glm-serving:model.id = "glm-5.1-fp8"
      allowed: a gguf checkpoint, which engine.kind llama-cpp loads (glm-5.1-gguf-ud-iq2_m, glm-5.1-gguf-ud-q2_k_xl, glm-5.1-gguf-ud-iq3_xxs, glm-5-gguf-ud-iq2_xxs); glm-5.1-fp8 is safetensors
      fix:     set model.id to one of glm-5.1-gguf-ud-iq2_m, glm-5.1-gguf-ud-q2_k_xl, glm-5.1-gguf-ud-iq3_xxs, glm-5-gguf-ud-iq2_xxs, or choose the engine for safetensors checkpoints`,
    );
  });

  it("refuses typed flags in extraArgs, long or short", () => {
    const msg = configErrorOf(() =>
      specFrom({
        model: { id: "glm-5.1-gguf-ud-q2_k_xl" },
        nodePool: { accelerator: "h100-80gb-x1" },
        engine: { kind: "llama-cpp", extraArgs: ["-ngl", "10", "--ctx-size=4096"] },
      }),
    );
    expect(msg).toContain('glm-serving:engine.extraArgs[0] = "-ngl"');
    expect(msg).toContain("fix:     remove it from engine.extraArgs and set engine.nGpuLayers");
    expect(msg).toContain('glm-serving:engine.extraArgs[2] = "--ctx-size=4096"');
  });
});

describe("llama.cpp on the Docker target", () => {
  it("checks health with curl (the image has no Python)", () => {
    const spec = specFrom({
      target: "docker",
      model: { id: "glm-5.1-gguf-ud-iq3_xxs" },
      nodePool: { accelerator: "h100-80gb-x1" },
      engine: { kind: "llama-cpp", nGpuLayers: 80, ctxSize: 32768, nCpuMoe: 63 },
      pod: { memory: "240Gi" },
    });
    const c = dockerEngineContainer(spec, timeBudgets(spec));
    expect(c.healthcheck!.tests).toEqual(["CMD", "curl", "-fsS", "http://localhost:8080/health"]);
    expect(c.entrypoints).toEqual(["/bin/sh", "-c", LLAMA_START_SCRIPT, "llama-server"]);
  });
});

/** The tool-call smoke script runs for real in python3, against a stand-in API on loopback. */
describe("llama.cpp: the tool-call smoke test", () => {
  let server: Server;
  let base = "";
  let reply: unknown = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(reply)));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));
  const run = () =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((ok) => {
      const p = spawn("python3", ["-c", TOOL_CALL_SMOKE_SCRIPT], {
        env: { PATH: process.env["PATH"], API_URL: base, SERVED_MODEL: "glm-5.1", MAX_TOKENS: "64" },
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d) => (stdout += d));
      p.stderr.on("data", (d) => (stderr += d));
      p.on("close", (status) => ok({ status, stdout, stderr }));
    });

  it("passes on a get_weather call with JSON arguments, fails on plain text", async () => {
    reply = {
      choices: [{ message: { tool_calls: [{ function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] } }],
    };
    const ok = await run();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('glm-serving: tool-call smoke test passed: glm-5.1 called get_weather({"city": "Paris"})\n');
    reply = { choices: [{ message: { content: "It is sunny." } }] };
    const bad = await run();
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("no get_weather call with JSON arguments");
  });
});
