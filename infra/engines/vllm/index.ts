import type { ProcessEnv } from "../../core/process";
import { MTP_METHODS, VLLM_REASONING_PARSERS, VLLM_TOOL_CALL_PARSERS } from "./choices";
import { vllmGraphsInBudget } from "./versions";
import { imageString } from "../../core/schemaFields";
import type { VllmEngineConfig, ResolvedVllmEngineConfig } from "./schema";
import { INTERCONNECT_ENV } from "../../catalog/interconnects";
import { cacheLayout, HF_HOME } from "../../catalog/cacheLayout";
import type { TimeBudgets } from "../../core/timeBudgets";
import {
  catalogParser,
  catalogParserRules,
  COMMON_MANAGED_ENV,
  contextLengthRule,
  type EngineDriver,
  type EngineSpec,
} from "../driver";
import { dataParallelGroupFlags, dataParallelGroupRules, nonDefault, type Argv } from "../flags";
import { cudaJitCacheEnv } from "../compileCaches";
import { engineField, modelField, shortFlagsOf, tableArgv, typedFlagsOf, type FlagTable } from "../flagTable";
import { VLLM_METRICS } from "./metrics";
import { VLLM_MEMORY } from "./memory";
import { VLLM_BASELINES } from "./baselines";

/**
 * vLLM's OpenAI-compatible server: `vllm serve <model> [flags]`.
 *
 * The argv follows the hand-run command of seed 000 (model positional first, then parallelism,
 * speculative decoding, parsers, served name, memory), so a rendered pod reads like the command
 * people know. Flags whose field is unset are left out, so vLLM's own defaults apply.
 *
 * One flag is added beyond the seed: `--revision <commit>`. The weight cache is filled for a pinned
 * commit and the engine runs with HF_HUB_OFFLINE=1, so it must ask for that same commit (without
 * it vLLM would look up the `main` ref, which a download by commit does not record).
 */
export const VLLM_COMMAND = ["vllm", "serve"] as const;

/** vLLM's own default port, left implicit as in the seed. */
const VLLM_DEFAULT_PORT = 8000;

export type VllmSpec = EngineSpec<ResolvedVllmEngineConfig>;

/** vLLM's flags in the seed's order: the argv and the typed flags both come from this table. */
export const VLLM_FLAGS: FlagTable<VllmSpec> = [
  {
    flag: "model",
    field: "model.id",
    render: "positional",
    value: (s) => s.engine.streamFrom ?? cacheLayout(s).modelArg,
  },
  // vLLM's Run:ai model streamer reads the safetensors straight from object storage into device memory
  // (vllm/model_executor/model_loader/runai_streamer_loader.py).
  {
    flag: "load-format",
    field: "engine.streamFrom",
    render: "value",
    value: (s) => (s.engine.streamFrom ? "runai_streamer" : undefined),
  },
  {
    flag: "tensor-parallel-size",
    field: "engine.tensorParallelSize",
    render: "value",
    value: (s) => s.engine.tensorParallelSize,
    short: ["tp"],
  },
  {
    flag: "pipeline-parallel-size",
    field: "engine.pipelineParallelSize",
    render: "value",
    value: (s) => nonDefault(s.engine.pipelineParallelSize, 1),
    short: ["pp"],
  },
  {
    flag: "data-parallel-size",
    field: "engine.dataParallelSize",
    render: "value",
    value: (s) => nonDefault(s.engine.dataParallelSize, 1),
    short: ["dp"],
  },
  ...dataParallelGroupFlags<VllmSpec>(),
  engineField("enable-expert-parallel", "enableExpertParallel", "switch"),
  {
    flag: "speculative-config.method",
    field: "engine.speculative",
    render: "value",
    value: (s) => s.engine.speculative?.method,
  },
  {
    flag: "speculative-config.num_speculative_tokens",
    field: "engine.speculative",
    render: "value",
    value: (s) => s.engine.speculative?.numSpeculativeTokens,
  },
  engineField("tool-call-parser", "toolCallParser"),
  engineField("reasoning-parser", "reasoningParser"),
  engineField("enable-auto-tool-choice", "enableAutoToolChoice", "switch"),
  engineField("chat-template-content-format", "chatTemplateContentFormat"),
  modelField("served-model-name", "servedModelName"),
  engineField("gpu-memory-utilization", "gpuMemoryUtilization"),
  engineField("max-model-len", "maxModelLen"),
  engineField("max-num-seqs", "maxNumSeqs"),
  engineField("max-num-batched-tokens", "maxNumBatchedTokens"),
  engineField("kv-cache-dtype", "kvCacheDtype"),
  engineField("enable-chunked-prefill", "enableChunkedPrefill", "toggle"),
  engineField("enable-prefix-caching", "enablePrefixCaching", "toggle"),
  engineField("cpu-offload-gb", "cpuOffloadGb"),
  engineField("trust-remote-code", "trustRemoteCode", "switch"),
  // A bucket has no revisions: the URI names the commit (resolve.ts checks it).
  {
    flag: "revision",
    field: "model.revision",
    render: "value",
    value: (s) => (s.engine.streamFrom ? undefined : s.model.revision),
  },
  { flag: "port", field: "engine.port", render: "value", value: (s) => nonDefault(s.engine.port, VLLM_DEFAULT_PORT) },
  { flag: "api-key", field: "apiKey (a Pulumi secret, passed as VLLM_API_KEY)", render: "external" },
];

export function vllmArgs(spec: VllmSpec): Argv {
  return [...tableArgv(VLLM_FLAGS, spec), ...spec.engine.extraArgs];
}

export const vllmDriver: EngineDriver<VllmEngineConfig, ResolvedVllmEngineConfig> = {
  kind: "vllm",
  componentType: "glm:serving:VllmEngine",
  memory: VLLM_MEMORY,
  metrics: VLLM_METRICS,
  baselines: VLLM_BASELINES,
  router: { modelServersType: "vllm" },
  docker: true,
  imageBuild: { context: "vllm-glm5", platform: "linux/amd64" },
  groupRules: dataParallelGroupRules,
  compileCacheEnv: (p) => [{ name: "VLLM_CACHE_ROOT", value: `${p}/vllm` }, ...cudaJitCacheEnv(p)],
  vendors: ["nvidia"],
  checkpointFormats: ["safetensors"],
  supportsGroups: true,
  flags: VLLM_FLAGS,
  typedFlags: typedFlagsOf(VLLM_FLAGS),
  shortFlags: shortFlagsOf(VLLM_FLAGS),
  // Seed 001's compose file: shm_size 16gb.
  defaultShmSize: "16Gi",
  managedEnv: [
    ...COMMON_MANAGED_ENV,
    "VLLM_API_KEY",
    "VLLM_ENGINE_READY_TIMEOUT_S",
    "VLLM_HOST_IP",
    "GLOO_SOCKET_IFNAME",
    "NCCL_SOCKET_IFNAME",
    ...INTERCONNECT_ENV,
  ],

  rules(e, model) {
    const problems = contextLengthRule("engine.maxModelLen", e.maxModelLen, model);
    problems.push(
      ...catalogParserRules("vLLM", e, model, {
        toolCallParser: VLLM_TOOL_CALL_PARSERS,
        reasoningParser: VLLM_REASONING_PARSERS,
      }),
    );
    if (e.speculative && MTP_METHODS.includes(e.speculative.method) && !model.hasMtpWeights) {
      problems.push({
        path: "engine.speculative.method",
        value: e.speculative.method,
        allowed: `a method that does not need MTP weights: ${model.repo} ships none`,
        fix: "remove engine.speculative or choose ngram",
      });
    }
    return problems;
  },

  servesMetrics: () => true,

  resolve(e, model) {
    return {
      ...e,
      toolCallParser: e.toolCallParser ?? catalogParser(VLLM_TOOL_CALL_PARSERS, model.toolCallParser),
      reasoningParser: e.reasoningParser ?? catalogParser(VLLM_REASONING_PARSERS, model.reasoningParser),
    };
  },

  devicesPerPod: (e) => e.tensorParallelSize * e.pipelineParallelSize * e.dataParallelSize,

  process(spec, budgets) {
    const env: ProcessEnv[] = [
      { name: "HF_HOME", value: HF_HOME },
      // The cache holds the pinned revision already; never reach out to the Hub at start.
      { name: "HF_HUB_OFFLINE", value: "1" },
      // vLLM waits this long for its engine-core processes, which load the weights; its default of
      // 600 s is shorter than reading a 750 GB checkpoint.
      { name: "VLLM_ENGINE_READY_TIMEOUT_S", value: String(budgets.startupSeconds) },
      ...(spec.credentials.apiKey ? [{ name: "VLLM_API_KEY", secret: "api-key" as const }] : []),
      ...Object.entries(spec.engine.env).map(([name, value]) => ({ name, value })),
    ];
    return {
      image: imageString(spec.engine.image),
      command: VLLM_COMMAND,
      args: vllmArgs(spec),
      env,
      port: spec.engine.port,
      healthPath: "/health",
      // Multi-node groups: vLLM's own address, and NCCL/Gloo on the pod's NIC.
      groupEnv: [{ name: "VLLM_HOST_IP", value: "$(POD_IP)" }],
      socketInterfaceVars: ["GLOO_SOCKET_IFNAME", "NCCL_SOCKET_IFNAME"],
    };
  },

  capacity(spec) {
    const e = spec.engine;
    return {
      engine: "vllm",
      tensor: e.tensorParallelSize,
      pipeline: e.pipelineParallelSize,
      data: e.dataParallelSize,
      expertParallel: e.enableExpertParallel,
      ...(e.gpuMemoryUtilization !== undefined ? { memoryFraction: e.gpuMemoryUtilization } : {}),
      ...(e.maxModelLen !== undefined ? { maxModelLen: e.maxModelLen } : {}),
      ...(e.maxNumSeqs !== undefined ? { maxNumSeqs: e.maxNumSeqs } : {}),
      ...(e.maxNumBatchedTokens !== undefined ? { maxNumBatchedTokens: e.maxNumBatchedTokens } : {}),
      kvDtype: e.kvCacheDtype?.startsWith("fp8") ? "fp8" : "bf16",
      kvDtypeReason: e.kvCacheDtype ? `--kv-cache-dtype ${e.kvCacheDtype}` : "vLLM's default (auto): the model's dtype",
      mtpDraft: e.speculative !== undefined && MTP_METHODS.includes(e.speculative.method),
      cpuOffloadGiB: e.cpuOffloadGb ?? 0,
      ...graphsRule(vllmGraphsInBudget(imageString(e.image), e.env)),
    };
  },
};

function graphsRule(g: { inside: boolean; because: string }) {
  return {
    graphsInBudget: g.inside,
    graphsReason: `CUDA graphs ${g.inside ? "inside" : "outside"} the KV budget: ${g.because}`,
  };
}

/** The engine process of a vLLM stack (the driver's, for callers that know the engine). */
export function vllmContainer(spec: VllmSpec, budgets: TimeBudgets) {
  return vllmDriver.process(spec, budgets);
}
