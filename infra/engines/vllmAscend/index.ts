import type { ProcessEnv } from "../../core/process";
import { imageString } from "../../core/schemaFields";
import type { VllmAscendEngineConfig, ResolvedVllmAscendEngineConfig } from "./schema";
import { cacheLayout, HF_HOME } from "../../catalog/cacheLayout";
import { contextLengthRule, type EngineDriver, type EngineSpec } from "../driver";
import { dataParallelGroupFlags, dataParallelGroupRules, type Argv } from "../flags";
import { engineField, modelField, shortFlagsOf, tableArgv, typedFlagsOf, type FlagTable } from "../flagTable";
import { VLLM_COMMAND } from "../vllm";
import { VLLM_METRICS } from "../vllm/metrics";
import { VLLM_ASCEND_MEMORY } from "./memory";

/**
 * vLLM-Ascend: `vllm serve <model dir>` on Huawei Ascend NPUs, as seed 002 runs it, flag for flag:
 * the checkpoint's directory (downloaded from ModelScope / Modelers into the weight cache) first,
 * then host and port, data parallelism, tensor and expert parallelism, and the seed's settings.
 *
 * The pod gets the NPUs from the Ascend device plugin (which also maps /dev/davinci* and the manager
 * devices that `docker run --device` passes in the seed), the driver's files the seed mounts from
 * the host (read-only), and the seed's environment.
 */
type AscendSpec = EngineSpec<ResolvedVllmAscendEngineConfig>;

/** The driver files and tools seed 002 mounts from the host into the container. */
export const ASCEND_HOST_PATHS = [
  { name: "ascend-dcmi", path: "/usr/local/dcmi", type: "Directory" },
  { name: "ascend-hccn-tool", path: "/usr/local/Ascend/driver/tools/hccn_tool", type: "File" },
  { name: "ascend-npu-smi", path: "/usr/local/bin/npu-smi", type: "File" },
  { name: "ascend-driver-lib64", path: "/usr/local/Ascend/driver/lib64", type: "Directory" },
  { name: "ascend-driver-version", path: "/usr/local/Ascend/driver/version.info", type: "File" },
  { name: "ascend-install-info", path: "/etc/ascend_install.info", type: "File" },
] as const;

/**
 * The image's environment. The vllm-ascend images have no ENTRYPOINT (their CMD is bash); what sets
 * up CANN lives in root's ~/.bashrc: the base CANN image sources its set_env.sh files there
 * (ascend-toolkit, nnal/atb and the other toolkits it ships), and vllm-ascend's Dockerfile appends the
 * jemalloc LD_PRELOAD and /usr/local/lib to LD_LIBRARY_PATH (vllm-project/vllm-ascend, Dockerfile and
 * Dockerfile.a3). Seed 002 gets it by running `bash` in the container and typing `vllm serve` there; a
 * pod's `command:` skips it. So the engine is started by an interactive bash (`-i`: Ubuntu's
 * ~/.bashrc returns early in a non-interactive shell), which reads ~/.bashrc and then execs the
 * command: the same environment as the seed's shell, whatever the image's version puts there. (bash
 * notes on stderr that it has no terminal for job control; that is harmless.)
 */
export const IMAGE_ENV_COMMAND = ["/bin/bash", "-ic", 'exec "$@"', "vllm-ascend-env"] as const;

/** The image built for each Atlas generation (seed 002: glm5-a3 on A3, glm5 on A2). */
export function defaultAscendImage(acceleratorId: string) {
  return { repository: "quay.io/ascend/vllm-ascend", tag: acceleratorId === "atlas-800-a3" ? "glm5-a3" : "glm5" };
}

/** Seed 002's flags in its order: the argv and the typed flags both come from this table. */
export const VLLM_ASCEND_FLAGS: FlagTable<AscendSpec> = [
  { flag: "model", field: "model.id", render: "positional", value: (s) => cacheLayout(s).modelArg },
  { flag: "host", field: "(always 0.0.0.0)", render: "value", value: () => "0.0.0.0" },
  engineField("port", "port"),
  {
    flag: "data-parallel-size",
    field: "engine.dataParallelSize",
    render: "value",
    value: (s) => s.engine.dataParallelSize,
    short: ["dp"],
  },
  ...dataParallelGroupFlags<AscendSpec>(),
  {
    flag: "tensor-parallel-size",
    field: "engine.tensorParallelSize",
    render: "value",
    value: (s) => s.engine.tensorParallelSize,
    short: ["tp"],
  },
  engineField("enable-expert-parallel", "enableExpertParallel", "switch"),
  engineField("seed", "seed"),
  modelField("served-model-name", "servedModelName"),
  engineField("max-num-seqs", "maxNumSeqs"),
  engineField("max-model-len", "maxModelLen"),
  engineField("max-num-batched-tokens", "maxNumBatchedTokens"),
  engineField("trust-remote-code", "trustRemoteCode", "switch"),
  engineField("gpu-memory-utilization", "gpuMemoryUtilization"),
  {
    flag: "quantization",
    field: "engine.quantization",
    render: "value",
    value: (s) => s.engine.quantization,
    short: ["q"],
  },
  engineField("enable-chunked-prefill", "enableChunkedPrefill", "toggle"),
  engineField("enable-prefix-caching", "enablePrefixCaching", "toggle"),
  engineField("async-scheduling", "asyncScheduling", "switch"),
  engineField("additional-config", "additionalConfig", "json"),
  engineField("compilation-config", "compilationConfig", "json"),
  {
    flag: "speculative-config",
    field: "engine.speculative",
    render: "json",
    value: (s) =>
      s.engine.speculative
        ? { num_speculative_tokens: s.engine.speculative.numSpeculativeTokens, method: s.engine.speculative.method }
        : undefined,
  },
  engineField("tool-call-parser", "toolCallParser"),
  engineField("reasoning-parser", "reasoningParser"),
  { flag: "api-key", field: "apiKey (a Pulumi secret, passed as VLLM_API_KEY)", render: "external" },
];

export function vllmAscendArgs(spec: AscendSpec): Argv {
  return [...tableArgv(VLLM_ASCEND_FLAGS, spec), ...spec.engine.extraArgs];
}

/** Seed 002's environment for every deployment (and the balance-scheduling switch of its single nodes). */
export function ascendEnv(e: VllmAscendEngineConfig): ProcessEnv[] {
  return [
    { name: "HCCL_OP_EXPANSION_MODE", value: "AIV" },
    { name: "OMP_PROC_BIND", value: "false" },
    { name: "OMP_NUM_THREADS", value: String(e.ompNumThreads) },
    { name: "VLLM_USE_V1", value: "1" },
    { name: "HCCL_BUFFSIZE", value: String(e.hcclBufferMB) },
    { name: "PYTORCH_NPU_ALLOC_CONF", value: "expandable_segments:True" },
    ...(e.balanceScheduling ? [{ name: "VLLM_ASCEND_BALANCE_SCHEDULING", value: "1" }] : []),
  ];
}

export const vllmAscendDriver: EngineDriver<VllmAscendEngineConfig, ResolvedVllmAscendEngineConfig> = {
  kind: "vllm-ascend",
  componentType: "glm:serving:VllmAscendEngine",
  memory: VLLM_ASCEND_MEMORY,
  // vLLM-Ascend exports vLLM's metrics and speaks vLLM's API to the router.
  metrics: VLLM_METRICS,
  router: { modelServersType: "vllm" },
  // A Docker host of this project is a GPU host.
  docker: false,
  // Atlas 800 servers run Kunpeng (arm64) CPUs.
  imageBuild: { context: "vllm-ascend-glm5", platform: "linux/arm64" },
  groupRules: dataParallelGroupRules,
  compileCacheEnv: (p) => [
    { name: "VLLM_CACHE_ROOT", value: `${p}/vllm` },
    { name: "TORCHINDUCTOR_CACHE_DIR", value: `${p}/inductor` },
  ],
  vendors: ["ascend"],
  checkpointFormats: ["safetensors"],
  supportsGroups: true,
  flags: VLLM_ASCEND_FLAGS,
  typedFlags: typedFlagsOf(VLLM_ASCEND_FLAGS),
  shortFlags: shortFlagsOf(VLLM_ASCEND_FLAGS),
  // Seed 002: docker run --shm-size=1g; vLLM-Ascend's workers share tensors through it too.
  defaultShmSize: "16Gi",
  managedEnv: [
    "HF_HOME",
    "HF_HUB_OFFLINE",
    "HF_TOKEN",
    "VLLM_API_KEY",
    "VLLM_ENGINE_READY_TIMEOUT_S",
    "HCCL_OP_EXPANSION_MODE",
    "OMP_PROC_BIND",
    "OMP_NUM_THREADS",
    "VLLM_USE_V1",
    "HCCL_BUFFSIZE",
    "PYTORCH_NPU_ALLOC_CONF",
    "VLLM_ASCEND_BALANCE_SCHEDULING",
    "HCCL_IF_IP",
    "GLOO_SOCKET_IFNAME",
    "TP_SOCKET_IFNAME",
    "HCCL_SOCKET_IFNAME",
  ],

  rules(e, model) {
    const problems = contextLengthRule("engine.maxModelLen", e.maxModelLen, model);
    if (model.quantization === "w4a8" && e.quantization !== "ascend") {
      problems.push({
        path: "engine.quantization",
        value: e.quantization,
        allowed: `ascend for ${model.id} (an msmodelslim W4A8 checkpoint)`,
        fix: "pulumi config set --path engine.quantization ascend",
      });
    }
    if (e.speculative && !model.hasMtpWeights) {
      problems.push({
        path: "engine.speculative",
        value: e.speculative,
        allowed: `null: ${model.repo} ships no MTP layer to draft with`,
        fix: "set engine.speculative to null",
      });
    }
    return problems;
  },

  resolve(e, _model, acc) {
    return {
      ...e,
      image: e.image ?? defaultAscendImage(acc.id),
      tensorParallelSize: e.tensorParallelSize ?? acc.devicesPerNode,
    };
  },

  servesMetrics: () => true,
  devicesPerPod: (e) => e.tensorParallelSize * e.dataParallelSize,

  process(spec, budgets) {
    const e = spec.engine;
    const env: ProcessEnv[] = [
      ...(spec.model.entry.hub === "huggingface" ? [{ name: "HF_HOME", value: HF_HOME }] : []),
      { name: "HF_HUB_OFFLINE", value: "1" },
      // vLLM's wait for its engine cores, which load the weights (1.5 TB for the BF16 pair).
      { name: "VLLM_ENGINE_READY_TIMEOUT_S", value: String(budgets.startupSeconds) },
      ...ascendEnv(e),
      ...(spec.credentials.apiKey ? [{ name: "VLLM_API_KEY", secret: "api-key" as const }] : []),
      ...Object.entries(e.env).map(([name, value]) => ({ name, value })),
    ];
    return {
      image: imageString(e.image),
      command: [...IMAGE_ENV_COMMAND, ...VLLM_COMMAND],
      args: vllmAscendArgs(spec),
      env,
      port: e.port,
      healthPath: "/health",
      hostPaths: ASCEND_HOST_PATHS,
      // Seed 002's multi-node blocks: HCCL_IF_IP is the node's address, the socket variables its NIC.
      groupEnv: [{ name: "HCCL_IF_IP", value: "$(POD_IP)" }],
      socketInterfaceVars: ["GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME", "HCCL_SOCKET_IFNAME"],
    };
  },

  capacity(spec) {
    const e = spec.engine;
    return {
      engine: "vllm-ascend",
      tensor: e.tensorParallelSize,
      pipeline: 1,
      data: e.dataParallelSize,
      expertParallel: e.enableExpertParallel,
      memoryFraction: e.gpuMemoryUtilization,
      ...(e.maxModelLen !== undefined ? { maxModelLen: e.maxModelLen } : {}),
      ...(e.maxNumSeqs !== undefined ? { maxNumSeqs: e.maxNumSeqs } : {}),
      maxNumBatchedTokens: e.maxNumBatchedTokens,
      kvDtype: "bf16",
      mtpDraft: e.speculative !== null,
      cpuOffloadGiB: 0,
    };
  },
};
