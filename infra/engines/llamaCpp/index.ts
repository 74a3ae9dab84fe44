import type { ProcessEnv } from "../../core/process";
import type { ModelEntry } from "../../catalog/models";
import { imageString, type ImageRef } from "../../core/schemaFields";
import type { LlamaCppEngineConfig, ResolvedLlamaCppEngineConfig } from "./schema";
import { HF_HOME } from "../../catalog/cacheLayout";
import { COMMON_MANAGED_ENV, contextLengthRule, type EngineDriver, type EngineSpec } from "../driver";
import type { Argv } from "../flags";
import { engineField, shortFlagsOf, tableArgv, typedFlagsOf, type FlagTable } from "../flagTable";
import { containerScript } from "../../containerScripts";
import { LLAMA_CPP_MEMORY } from "./memory";

/**
 * llama.cpp's server on a GGUF checkpoint (seed 001, option A): `llama-server -m <first split file>
 * --n-gpu-layers 80 --ctx-size 32768 --port 8080 --host 0.0.0.0`, with the routed experts of some
 * layers in host memory (`--n-cpu-moe`, `--override-tensor`) so a 744B model fits one GPU.
 * Flags: tools/server/README.md and common/arg.cpp of ggml-org/llama.cpp.
 *
 * The image's entrypoint is /app/llama-server. The pod starts it through a short shell step that
 * finds the GGUF's first split file in the Hugging Face cache: the cache holds
 * `hub/models--<org>--<name>/snapshots/<commit>/<quant>/<file>`, and where the stack serves a branch
 * (the catalog knows no commit of the community GGUF repositories) the commit is the one the
 * download recorded under `refs/<branch>`. llama.cpp opens the other parts next to the first.
 *
 * Added to the seed's flags: `--jinja` (the GGUF's chat template, which tool calls need), `--alias`
 * (the served model name clients send), `--n-cpu-moe` where the planner needs it. The API key, when
 * set, reaches llama-server as LLAMA_API_KEY (the environment variable of `--api-key`) from the
 * Secret, so it is never in the argv.
 */
export const LLAMA_SERVER = "/app/llama-server";

/** containerScripts/llama_server_start.sh: it execs LLAMA_SERVER (a test holds the two together). */
export const LLAMA_START_SCRIPT = containerScript("llama_server_start.sh");

export const LLAMA_COMMAND = ["/bin/sh", "-c", LLAMA_START_SCRIPT, "llama-server"] as const;

/**
 * The CUDA server build of llama.cpp, pinned by tag and digest (the digest as pinned in a public
 * deployment's configuration); seed 001 names the moving `ghcr.io/ggerganov/llama.cpp:server-cuda`.
 */
export const LLAMA_CPP_IMAGE: ImageRef = {
  repository: "ghcr.io/ggml-org/llama.cpp",
  tag: "server-cuda-b10257",
  digest: "sha256:37dd122824e58af9ec861955242abdeeade5a1dcf0ad768bf2b37f903c2805c6",
};

/**
 * The llama.cpp image has no Python: the weight download (huggingface_hub's `hf`) and the smoke test
 * run in the vLLM image the GLM-5 stacks already pull (seed 000's tag).
 */
export const LLAMA_CPP_TOOLS_IMAGE: ImageRef = { repository: "vllm/vllm-openai", tag: "glm5" };

type LlamaSpec = EngineSpec<ResolvedLlamaCppEngineConfig>;

/** The relative path of the first split file inside the snapshot. */
export function ggufFirstFile(entry: ModelEntry): string {
  if (!entry.gguf) throw new Error(`${entry.id} is not a GGUF checkpoint`);
  return `${entry.gguf.directory}/${entry.gguf.files[0]}`;
}

/**
 * llama-server's flags: seed 001's in its order, then this project's; the argv (after the start
 * step's `--model`) and the typed flags both come from this table.
 */
export const LLAMA_CPP_FLAGS: FlagTable<LlamaSpec> = [
  { flag: "model", field: "model.id", render: "external", short: ["m"] },
  {
    flag: "n-gpu-layers",
    field: "engine.nGpuLayers",
    render: "value",
    value: (s) => s.engine.nGpuLayers,
    aliases: ["gpu-layers"],
    short: ["ngl"],
  },
  { flag: "ctx-size", field: "engine.ctxSize", render: "value", value: (s) => s.engine.ctxSize, short: ["c"] },
  { flag: "parallel", field: "engine.parallel", render: "value", value: (s) => s.engine.parallel, short: ["np"] },
  { flag: "n-cpu-moe", field: "engine.nCpuMoe", render: "value", value: (s) => s.engine.nCpuMoe, short: ["ncmoe"] },
  { flag: "cpu-moe", field: "engine.overrideTensor (exps=CPU)", render: "external", short: ["cmoe"] },
  {
    flag: "override-tensor",
    field: "engine.overrideTensor",
    render: "repeated",
    value: (s) => s.engine.overrideTensor,
    short: ["ot"],
  },
  engineField("jinja", "jinja", "switch"),
  {
    flag: "alias",
    field: "model.servedModelName",
    render: "value",
    value: (s) => s.model.servedModelName,
    short: ["a"],
  },
  engineField("port", "port"),
  { flag: "host", field: "(always 0.0.0.0)", render: "value", value: () => "0.0.0.0" },
  { flag: "api-key", field: "apiKey (a Pulumi secret)", render: "external" },
  { flag: "api-key-file", field: "apiKey (a Pulumi secret)", render: "external" },
];

/** The argv after the start step's `--model`. */
export function llamaCppArgs(spec: LlamaSpec): Argv {
  return [...tableArgv(LLAMA_CPP_FLAGS, spec), ...spec.engine.extraArgs];
}

/** Routed experts of every layer in host memory: `--override-tensor exps=CPU` (or a ffn_*_exps pattern). */
export function allExpertsOnCpu(overrides: readonly string[]): boolean {
  return overrides.some((o) => {
    const [pattern, buffer] = o.split("=");
    return buffer === "CPU" && /exps/.test(pattern!) && !/blk/.test(pattern!);
  });
}

export const llamaCppDriver: EngineDriver<LlamaCppEngineConfig, ResolvedLlamaCppEngineConfig> = {
  kind: "llama-cpp",
  componentType: "glm:serving:LlamaCppEngine",
  memory: LLAMA_CPP_MEMORY,
  // Its metric names are not verified here: no dashboard, alerts or autoscaling.
  router: { modelServersType: "vllm" },
  docker: true,
  // llama.cpp compiles nothing at start.
  compileCacheEnv: () => [],
  vendors: ["nvidia"],
  checkpointFormats: ["gguf"],
  supportsGroups: false,
  devicesField: "engine.gpus",
  toolsImage: LLAMA_CPP_TOOLS_IMAGE,
  flags: LLAMA_CPP_FLAGS,
  typedFlags: typedFlagsOf(LLAMA_CPP_FLAGS),
  shortFlags: shortFlagsOf(LLAMA_CPP_FLAGS),
  // llama.cpp runs one process without NCCL or worker IPC: Docker's default /dev/shm is plenty; a
  // small memory-backed one keeps the pod spec the same shape as the other engines'.
  defaultShmSize: "1Gi",
  managedEnv: [...COMMON_MANAGED_ENV, "LLAMA_API_KEY", "MODEL_REPO", "MODEL_REVISION", "GGUF_FILE"],

  rules(e, model) {
    const problems = contextLengthRule("engine.ctxSize", e.ctxSize, model);
    const blocks = model.architecture.numHiddenLayers + model.architecture.mtpLayers;
    if (e.nCpuMoe !== undefined && e.nCpuMoe > blocks) {
      problems.push({
        path: "engine.nCpuMoe",
        value: e.nCpuMoe,
        allowed: `at most the ${blocks} blocks of ${model.id} (every routed expert in host memory)`,
        fix: `set engine.nCpuMoe to ${blocks} or less, or engine.overrideTensor to [exps=CPU]`,
      });
    }
    if (e.ctxSize !== undefined && e.parallel !== undefined && e.ctxSize < e.parallel) {
      problems.push({
        path: "engine.parallel",
        value: e.parallel,
        allowed: `at most engine.ctxSize (${e.ctxSize}): each slot gets ctxSize / parallel tokens`,
        fix: `lower engine.parallel or raise engine.ctxSize`,
      });
    }
    return problems;
  },

  resolve(e) {
    return { ...e, image: e.image ?? LLAMA_CPP_IMAGE };
  },

  // llama-server serves Prometheus metrics only with --metrics, which no field sets.
  servesMetrics: () => false,

  devicesPerPod: (e) => e.gpus,

  process(spec) {
    const env: ProcessEnv[] = [
      { name: "HF_HOME", value: HF_HOME },
      { name: "MODEL_REPO", value: spec.model.entry.repo },
      { name: "MODEL_REVISION", value: spec.model.revision },
      { name: "GGUF_FILE", value: ggufFirstFile(spec.model.entry) },
      ...(spec.credentials.apiKey ? [{ name: "LLAMA_API_KEY", secret: "api-key" as const }] : []),
      ...Object.entries(spec.engine.env).map(([name, value]) => ({ name, value })),
    ];
    return {
      image: imageString(spec.engine.image),
      command: LLAMA_COMMAND,
      args: llamaCppArgs(spec),
      env,
      port: spec.engine.port,
      healthPath: "/health",
      toolsImage: imageString(spec.weightCache.downloadImage),
      httpClient: "curl",
      smokeToolCall: spec.engine.jinja,
    };
  },

  capacity(spec) {
    const e = spec.engine;
    const a = spec.model.entry.architecture;
    const ctxSize = e.ctxSize ?? a.maxPositionEmbeddings;
    const parallel = e.parallel ?? 1;
    return {
      engine: "llama-cpp",
      tensor: 1,
      pipeline: 1,
      data: 1,
      expertParallel: false,
      maxModelLen: Math.floor(ctxSize / parallel),
      maxNumSeqs: parallel,
      kvDtype: "bf16",
      mtpDraft: false,
      cpuOffloadGiB: 0,
      expertOffload: {
        gpuLayers: e.nGpuLayers,
        cpuMoeLayers: e.nCpuMoe ?? 0,
        allExpertsOnCpu: allExpertsOnCpu(e.overrideTensor),
        ctxSize,
        gpus: e.gpus,
      },
    };
  },
};
