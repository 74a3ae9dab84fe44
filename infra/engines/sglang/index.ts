import type { ProcessEnv } from "../../core/process";
import { SGLANG_MTP_ALGORITHMS, SGLANG_REASONING_PARSERS, SGLANG_TOOL_CALL_PARSERS } from "./choices";
import { imageString } from "../../core/schemaFields";
import type { SglangEngineConfig, ResolvedSglangEngineConfig } from "./schema";
import { INTERCONNECT_ENV } from "../../catalog/interconnects";
import { cacheLayout, HF_HOME } from "../../catalog/cacheLayout";
import {
  catalogParser,
  catalogParserRules,
  COMMON_MANAGED_ENV,
  contextLengthRule,
  type EngineDriver,
  type EngineSpec,
} from "../driver";
import { nonDefault, type Argv } from "../flags";
import { engineField, modelField, shortFlagsOf, tableArgv, typedFlagsOf, type FlagTable } from "../flagTable";
import { containerScript } from "../../containerScripts";
import { SGLANG_METRICS } from "./metrics";
import { cudaJitCacheEnv } from "../compileCaches";
import { setCommand } from "../../core/problems";
import { SGLANG_MEMORY } from "./memory";
import { SGLANG_BASELINES } from "./baselines";

/**
 * SGLang's server: `python3 -m sglang.launch_server --model-path <model> [flags]`, in the order of
 * seed 003's command (model, host, port, parallelism, parsers, speculative decoding, memory, name).
 *
 * Beyond the seeds, every stack passes `--host 0.0.0.0 --port <port>` (seed 003 does; seed 000's
 * SGLang command does not, and SGLang's defaults, 127.0.0.1:30000, are unreachable from a Service)
 * and `--revision <commit>` (the cache holds a pinned commit, read with HF_HUB_OFFLINE=1).
 *
 * The API key never reaches a command line. SGLang takes it only as `--api-key` (ServerArgs.api_key,
 * sgl-project/sglang `python/sglang/srt/server_args.py`; no environment variable), and a `$(VAR)`
 * argument would be expanded by Kubernetes into the process's argv, readable in /proc/<pid>/cmdline
 * and by anyone who can list processes on the node.
 *
 * SGLang's admin endpoints (/update_weights_from_disk, /set_internal_state, /load_lora_adapter, ...)
 * listen on the API port. Since sgl-project/sglang#15908 (`python/sglang/srt/utils/auth.py`,
 * decide_request_auth) they are marked ADMIN_OPTIONAL or ADMIN_FORCE: with `--admin-api-key` set only
 * that key opens them (the API key no longer does), without it ADMIN_FORCE routes answer 403 and
 * ADMIN_OPTIONAL ones take the API key, or nothing when there is none. /health*, /metrics and
 * OPTIONS stay open for probes and scrapers.
 *
 * On Kubernetes the container therefore always runs SGLANG_KEY_LAUNCHER (`python3 -c`), which, in the
 * same process before sglang.launch_server runs: takes SGLANG_API_KEY out of its environment and
 * appends `--api-key`; and appends `--admin-api-key` with a random key made at start and held only in
 * the process's memory (never in a Secret, an object, a log line of ours or the exec'd argv), so no
 * one outside the engine's process can call an admin endpoint. An SGLang too old for the flag is told
 * on stderr that its admin endpoints answer whoever holds the API key. The flags stay the seeds':
 * `python3 -c <launcher>` instead of `python3 -m sglang.launch_server` is the one deviation.
 */
export const SGLANG_COMMAND = ["python3", "-m", "sglang.launch_server"] as const;

/**
 * containerScripts/sglang_key_launcher.py, without its final newline (the argv of `python3 -c`): with
 * or without an API key, it adds the keys in-process (see above).
 */
export const SGLANG_KEY_LAUNCHER = containerScript("sglang_key_launcher.py").trimEnd();

/** The engine's command, on a cluster and on a Docker host: the launcher (keys off the argv, admin endpoints closed). */
export function sglangCommand(): readonly string[] {
  return ["python3", "-c", SGLANG_KEY_LAUNCHER];
}

type SglangSpec = EngineSpec<ResolvedSglangEngineConfig>;

/** The whole parallel world with expert parallelism (see SGLANG_FLAGS): tensor x data ranks. */
const world = (e: SglangEngineConfig) => e.tensorParallelSize * e.dataParallelSize;

/** What `--ep-size` means; it is emitted at one of two places, never both. */
const EP_SIZE_FIELD = "engine.expertParallelSize (or engine.enableExpertParallel)";

/**
 * SGLang's flags in seed 003's order: the argv and the typed flags both come from this table.
 *
 * Parallelism: without expert parallelism, `--tp-size` GPUs per model replica and `--dp-size`
 * replicas (seed 003's `--tp-size 8`). With it, the planner's layout of DP x TP with experts over
 * all TP x DP ranks is SGLang's data-parallel attention: `--tp-size` is the whole world, attention
 * runs in `--dp-size` groups of tensorParallelSize GPUs (`--enable-dp-attention`), and `--ep-size`
 * spreads the experts over every rank (sgl-project/sglang `python/sglang/srt/server_args.py`:
 * tp_size, dp_size, enable_dp_attention, ep_size, nnodes, node_rank, dist_init_addr). Across nodes
 * `--nnodes` is static; the group entrypoint adds `--node-rank` and `--dist-init-addr` at start.
 */
export const SGLANG_FLAGS: FlagTable<SglangSpec> = [
  { flag: "model-path", field: "model.id", render: "value", value: (s) => cacheLayout(s).modelArg },
  { flag: "host", field: "(always 0.0.0.0)", render: "value", value: () => "0.0.0.0" },
  engineField("port", "port"),
  {
    flag: "tp-size",
    field: "engine.tensorParallelSize",
    render: "value",
    value: (s) => (s.engine.enableExpertParallel ? world(s.engine) : s.engine.tensorParallelSize),
    aliases: ["tensor-parallel-size"],
  },
  {
    flag: "dp-size",
    field: "engine.dataParallelSize",
    render: "value",
    value: (s) => nonDefault(s.engine.dataParallelSize, 1),
    aliases: ["data-parallel-size"],
  },
  {
    flag: "enable-dp-attention",
    field: "engine.enableExpertParallel",
    render: "switch",
    value: (s) => s.engine.enableExpertParallel && s.engine.dataParallelSize > 1,
  },
  {
    flag: "ep-size",
    field: EP_SIZE_FIELD,
    render: "value",
    value: (s) => (s.engine.enableExpertParallel ? world(s.engine) : undefined),
    aliases: ["expert-parallel-size"],
  },
  {
    flag: "nnodes",
    field: "nodePool.nodes",
    render: "value",
    value: (s) => (s.engine.enableExpertParallel ? nonDefault(s.nodePool.nodes, 1) : undefined),
  },
  { flag: "node-rank", field: "(set at start by the group entrypoint)", render: "external" },
  { flag: "dist-init-addr", field: "(set at start by the group entrypoint, engine.distInitPort)", render: "external" },
  engineField("tool-call-parser", "toolCallParser"),
  engineField("reasoning-parser", "reasoningParser"),
  {
    flag: "speculative-algorithm",
    field: "engine.speculative.algorithm",
    render: "value",
    value: (s) => s.engine.speculative?.algorithm,
  },
  {
    flag: "speculative-num-steps",
    field: "engine.speculative.numSteps",
    render: "value",
    value: (s) => s.engine.speculative?.numSteps,
  },
  {
    flag: "speculative-eagle-topk",
    field: "engine.speculative.eagleTopk",
    render: "value",
    value: (s) => s.engine.speculative?.eagleTopk,
  },
  {
    flag: "speculative-num-draft-tokens",
    field: "engine.speculative.numDraftTokens",
    render: "value",
    value: (s) => s.engine.speculative?.numDraftTokens,
  },
  engineField("mem-fraction-static", "memFractionStatic"),
  engineField("context-length", "contextLength"),
  engineField("kv-cache-dtype", "kvCacheDtype"),
  engineField("max-running-requests", "maxRunningRequests"),
  engineField("cuda-graph-max-bs", "cudaGraphMaxBs"),
  engineField("chunked-prefill-size", "chunkedPrefillSize"),
  engineField("max-prefill-tokens", "maxPrefillTokens"),
  engineField("attention-backend", "attentionBackend"),
  engineField("nsa-prefill-backend", "nsaPrefillBackend"),
  engineField("nsa-decode-backend", "nsaDecodeBackend"),
  engineField("moe-runner-backend", "moeRunnerBackend"),
  engineField("quantization", "quantization"),
  // With enableExpertParallel the layout's --ep-size comes with the parallel flags above.
  {
    flag: "ep-size",
    field: EP_SIZE_FIELD,
    render: "value",
    value: (s) => (s.engine.enableExpertParallel ? undefined : s.engine.expertParallelSize),
  },
  engineField("enable-flashinfer-allreduce-fusion", "enableFlashinferAllreduceFusion", "switch"),
  engineField("disable-radix-cache", "disableRadixCache", "switch"),
  engineField("stream-interval", "streamInterval"),
  engineField("model-loader-extra-config", "modelLoaderExtraConfig", "json"),
  modelField("served-model-name", "servedModelName"),
  engineField("trust-remote-code", "trustRemoteCode", "switch"),
  engineField("enable-metrics", "enableMetrics", "switch"),
  modelField("revision", "revision"),
  { flag: "api-key", field: "apiKey (a Pulumi secret)", render: "external" },
];

export function sglangArgs(spec: SglangSpec): Argv {
  return [...tableArgv(SGLANG_FLAGS, spec), ...spec.engine.extraArgs];
}

/** The image built for each GPU generation (seed 003: Blackwell; seed 000: Hopper). */
export function defaultSglangImage(acceleratorId: string) {
  return { repository: "lmsysorg/sglang", tag: acceleratorId.startsWith("b200") ? "glm5-blackwell" : "glm5-hopper" };
}

/**
 * The KV cache dtype SGLang runs with: the flag's when set, else its own default. For DSA (NSA)
 * models SGLang picks fp8_e4m3 on compute capability 10 and above (Blackwell) and bfloat16 below
 * (sgl-project/sglang `python/sglang/srt/server_args.py`, the DeepSeek NSA branch of the model-specific
 * adjustments); other models keep the model's dtype.
 */
export function sglangKvDtype(
  flag: SglangEngineConfig["kvCacheDtype"],
  dsa: boolean,
  acc: { id: string; computeCapability?: number },
): { kvDtype: "bf16" | "fp8"; kvDtypeReason: string } {
  if (flag !== undefined && flag !== "auto") {
    return { kvDtype: flag.startsWith("fp8") ? "fp8" : "bf16", kvDtypeReason: `--kv-cache-dtype ${flag}` };
  }
  if (dsa && (acc.computeCapability ?? 0) >= 10) {
    return {
      kvDtype: "fp8",
      kvDtypeReason: `SGLang's default for a DSA model on ${acc.id} (compute capability 10+): fp8_e4m3`,
    };
  }
  if (dsa) {
    return {
      kvDtype: "bf16",
      kvDtypeReason: `SGLang's default for a DSA model on ${acc.id} (below compute capability 10): bfloat16`,
    };
  }
  return { kvDtype: "bf16", kvDtypeReason: "SGLang's default: the model's dtype" };
}

export const sglangDriver: EngineDriver<SglangEngineConfig, ResolvedSglangEngineConfig> = {
  kind: "sglang",
  componentType: "glm:serving:SglangEngine",
  memory: SGLANG_MEMORY,
  metrics: SGLANG_METRICS,
  baselines: SGLANG_BASELINES,
  // The EPP reads SGLang's metric names when told so; the pool's servers are SGLang's.
  router: { modelServersType: "sglang", eppDefaultEngine: "sglang" },
  docker: true,
  noImageBuild: "its seeds use the published lmsysorg/sglang:glm5-* images",
  groupRules: (e, nodes) =>
    e.enableExpertParallel
      ? []
      : [
          {
            path: "engine.enableExpertParallel",
            value: false,
            allowed: `true for a ${nodes}-node SGLang group (experts over every rank, data-parallel attention: the layout the planner checks)`,
            fix: setCommand("engine.enableExpertParallel", "true"),
          },
        ],
  compileCacheEnv: (p) => [...cudaJitCacheEnv(p), { name: "SGLANG_DG_CACHE_DIR", value: `${p}/deep_gemm` }],
  vendors: ["nvidia"],
  checkpointFormats: ["safetensors"],
  supportsGroups: true,
  flags: SGLANG_FLAGS,
  typedFlags: typedFlagsOf(SGLANG_FLAGS),
  shortFlags: shortFlagsOf(SGLANG_FLAGS),
  // SGLang's install guide: docker run --shm-size 32g.
  defaultShmSize: "32Gi",
  managedEnv: [
    ...COMMON_MANAGED_ENV,
    "SGLANG_API_KEY",
    "GLOO_SOCKET_IFNAME",
    "NCCL_SOCKET_IFNAME",
    ...INTERCONNECT_ENV,
  ],

  rules(e, model) {
    const problems = contextLengthRule("engine.contextLength", e.contextLength, model);
    problems.push(
      ...catalogParserRules("SGLang", e, model, {
        toolCallParser: SGLANG_TOOL_CALL_PARSERS,
        reasoningParser: SGLANG_REASONING_PARSERS,
      }),
    );
    // enableExpertParallel derives --ep-size from the layout; a second, hand-set one would contradict it.
    const world = e.tensorParallelSize * e.dataParallelSize;
    if (e.enableExpertParallel && e.expertParallelSize !== undefined && e.expertParallelSize !== world) {
      problems.push({
        path: "engine.expertParallelSize",
        value: e.expertParallelSize,
        allowed: `unset or ${world} while engine.enableExpertParallel is true (--ep-size is then tensor x data = ${world})`,
        fix: "remove engine.expertParallelSize",
      });
    }
    const s = e.speculative;
    // With one branch per step the draft tree is a chain: steps + 1 tokens (the root and one per
    // step). SGLang would silently replace any other value; the stack says so instead.
    if (s && s.eagleTopk === 1 && s.numDraftTokens !== s.numSteps + 1) {
      problems.push({
        path: "engine.speculative.numDraftTokens",
        value: s.numDraftTokens,
        allowed: `numSteps + 1 = ${s.numSteps + 1} when eagleTopk is 1 (a chain of ${s.numSteps} draft steps; SGLang would override anything else)`,
        fix: `set engine.speculative.numDraftTokens to ${s.numSteps + 1}`,
      });
    }
    // A wider tree: the root plus the best of the candidates the steps produce, topk at the first
    // step and topk x topk at each later one; SGLang cannot pick more drafts than there are.
    const candidates = s ? s.eagleTopk + (s.numSteps - 1) * s.eagleTopk ** 2 : 0;
    if (s && s.eagleTopk > 1 && s.numDraftTokens > candidates + 1) {
      problems.push({
        path: "engine.speculative.numDraftTokens",
        value: s.numDraftTokens,
        allowed: `at most ${candidates + 1} with eagleTopk ${s.eagleTopk} and numSteps ${s.numSteps} (the root plus ${candidates} candidate tokens of the draft tree)`,
        fix: `set engine.speculative.numDraftTokens to ${candidates + 1} or less, or raise numSteps or eagleTopk`,
      });
    }
    if (s && SGLANG_MTP_ALGORITHMS.includes(s.algorithm) && !model.hasMtpWeights) {
      problems.push({
        path: "engine.speculative.algorithm",
        value: s.algorithm,
        allowed: `an algorithm with its own draft model: ${model.repo} ships no MTP layer to draft with`,
        fix: "remove engine.speculative or use NGRAM",
      });
    }
    return problems;
  },

  resolve(e, model, acc) {
    return {
      ...e,
      image: e.image ?? defaultSglangImage(acc.id),
      toolCallParser: e.toolCallParser ?? catalogParser(SGLANG_TOOL_CALL_PARSERS, model.toolCallParser),
      reasoningParser: e.reasoningParser ?? catalogParser(SGLANG_REASONING_PARSERS, model.reasoningParser),
    };
  },

  servesMetrics: (e) => e.enableMetrics,

  devicesPerPod: (e) => e.tensorParallelSize * e.dataParallelSize,

  process(spec) {
    const env: ProcessEnv[] = [
      { name: "HF_HOME", value: HF_HOME },
      { name: "HF_HUB_OFFLINE", value: "1" },
      ...(spec.credentials.apiKey ? [{ name: "SGLANG_API_KEY", secret: "api-key" as const }] : []),
      ...Object.entries(spec.engine.env).map(([name, value]) => ({ name, value })),
    ];
    return {
      image: imageString(spec.engine.image),
      command: sglangCommand(),
      args: sglangArgs(spec),
      env,
      port: spec.engine.port,
      healthPath: "/health",
      // Multi-node groups: torch.distributed meets at the leader's dist-init port; NCCL/Gloo on the pod's NIC.
      groupLaunch: { launcher: "sglang", distInitPort: spec.engine.distInitPort },
      socketInterfaceVars: ["GLOO_SOCKET_IFNAME", "NCCL_SOCKET_IFNAME"],
    };
  },

  capacity(spec) {
    const e = spec.engine;
    return {
      engine: "sglang",
      tensor: e.tensorParallelSize,
      pipeline: 1,
      data: e.dataParallelSize,
      expertParallel: e.enableExpertParallel,
      ...(e.memFractionStatic !== undefined ? { memoryFraction: e.memFractionStatic } : {}),
      ...(e.contextLength !== undefined ? { maxModelLen: e.contextLength } : {}),
      ...(e.maxRunningRequests !== undefined ? { maxNumSeqs: e.maxRunningRequests } : {}),
      ...(e.chunkedPrefillSize !== undefined ? { maxNumBatchedTokens: e.chunkedPrefillSize } : {}),
      ...sglangKvDtype(e.kvCacheDtype, spec.model.entry.architecture.indexer !== null, spec.accelerator),
      kvDtypeOn: (acc) => sglangKvDtype(e.kvCacheDtype, spec.model.entry.architecture.indexer !== null, acc),
      mtpDraft: e.speculative !== undefined && SGLANG_MTP_ALGORITHMS.includes(e.speculative.algorithm),
      ...(e.speculative ? { draftTree: e.speculative } : {}),
      cpuOffloadGiB: 0,
    };
  },
};
