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
import { nonDefaultFlag, switchFlag, valueFlag, type Argv } from "../flags";
import { containerScript } from "../../containerScripts";
import { SGLANG_METRICS } from "./metrics";
import { setCommand } from "../../core/problems";
import { SGLANG_MEMORY } from "./memory";

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

export function sglangArgs(spec: SglangSpec): Argv {
  const e = spec.engine;
  return [
    ...valueFlag("model-path", cacheLayout(spec).modelArg),
    ...valueFlag("host", "0.0.0.0"),
    ...valueFlag("port", e.port),
    ...parallelFlags(e, spec.nodePool.nodes),
    ...valueFlag("tool-call-parser", e.toolCallParser),
    ...valueFlag("reasoning-parser", e.reasoningParser),
    ...(e.speculative
      ? [
          ...valueFlag("speculative-algorithm", e.speculative.algorithm),
          ...valueFlag("speculative-num-steps", e.speculative.numSteps),
          ...valueFlag("speculative-eagle-topk", e.speculative.eagleTopk),
          ...valueFlag("speculative-num-draft-tokens", e.speculative.numDraftTokens),
        ]
      : []),
    ...valueFlag("mem-fraction-static", e.memFractionStatic),
    ...valueFlag("context-length", e.contextLength),
    ...valueFlag("kv-cache-dtype", e.kvCacheDtype),
    ...valueFlag("max-running-requests", e.maxRunningRequests),
    ...valueFlag("cuda-graph-max-bs", e.cudaGraphMaxBs),
    ...valueFlag("chunked-prefill-size", e.chunkedPrefillSize),
    ...valueFlag("max-prefill-tokens", e.maxPrefillTokens),
    ...valueFlag("attention-backend", e.attentionBackend),
    ...valueFlag("nsa-prefill-backend", e.nsaPrefillBackend),
    ...valueFlag("nsa-decode-backend", e.nsaDecodeBackend),
    ...valueFlag("moe-runner-backend", e.moeRunnerBackend),
    ...valueFlag("quantization", e.quantization),
    // With enableExpertParallel the layout's --ep-size comes with the parallel flags above.
    ...(e.enableExpertParallel ? [] : valueFlag("ep-size", e.expertParallelSize)),
    ...switchFlag("enable-flashinfer-allreduce-fusion", e.enableFlashinferAllreduceFusion),
    ...switchFlag("disable-radix-cache", e.disableRadixCache),
    ...valueFlag("stream-interval", e.streamInterval),
    ...valueFlag(
      "model-loader-extra-config",
      e.modelLoaderExtraConfig === undefined ? undefined : JSON.stringify(e.modelLoaderExtraConfig),
    ),
    ...valueFlag("served-model-name", spec.model.servedModelName),
    ...switchFlag("trust-remote-code", e.trustRemoteCode),
    ...switchFlag("enable-metrics", e.enableMetrics),
    ...valueFlag("revision", spec.model.revision),
    ...e.extraArgs,
  ];
}

/**
 * Parallelism flags. Without expert parallelism: `--tp-size` GPUs per model replica and `--dp-size`
 * replicas (seed 003's `--tp-size 8`). With it, the planner's layout of DP x TP with experts over
 * all TP x DP ranks is SGLang's data-parallel attention: `--tp-size` is the whole world, attention
 * runs in `--dp-size` groups of tensorParallelSize GPUs (`--enable-dp-attention`), and `--ep-size`
 * spreads the experts over every rank (sgl-project/sglang `python/sglang/srt/server_args.py`:
 * tp_size, dp_size, enable_dp_attention, ep_size, nnodes, node_rank, dist_init_addr). Across nodes
 * `--nnodes` is static; the group entrypoint adds `--node-rank` and `--dist-init-addr` at start.
 */
function parallelFlags(e: SglangEngineConfig, nodes: number): Argv {
  if (!e.enableExpertParallel) {
    return [...valueFlag("tp-size", e.tensorParallelSize), ...nonDefaultFlag("dp-size", e.dataParallelSize, 1)];
  }
  const world = e.tensorParallelSize * e.dataParallelSize;
  return [
    ...valueFlag("tp-size", world),
    ...nonDefaultFlag("dp-size", e.dataParallelSize, 1),
    ...switchFlag("enable-dp-attention", e.dataParallelSize > 1),
    ...valueFlag("ep-size", world),
    ...nonDefaultFlag("nnodes", nodes, 1),
  ];
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
  compileCacheEnv: (p) => [
    { name: "TORCHINDUCTOR_CACHE_DIR", value: `${p}/inductor` },
    { name: "TRITON_CACHE_DIR", value: `${p}/triton` },
    { name: "FLASHINFER_WORKSPACE_BASE", value: `${p}/flashinfer` },
    { name: "DG_JIT_CACHE_DIR", value: `${p}/deep_gemm` },
    { name: "SGLANG_DG_CACHE_DIR", value: `${p}/deep_gemm` },
  ],
  vendors: ["nvidia"],
  checkpointFormats: ["safetensors"],
  supportsGroups: true,
  typedFlags: {
    "model-path": "model.id",
    "enable-dp-attention": "engine.enableExpertParallel",
    nnodes: "nodePool.nodes",
    "node-rank": "(set at start by the group entrypoint)",
    "dist-init-addr": "(set at start by the group entrypoint, engine.distInitPort)",
    host: "(always 0.0.0.0)",
    port: "engine.port",
    "tp-size": "engine.tensorParallelSize",
    "tensor-parallel-size": "engine.tensorParallelSize",
    "dp-size": "engine.dataParallelSize",
    "data-parallel-size": "engine.dataParallelSize",
    "tool-call-parser": "engine.toolCallParser",
    "reasoning-parser": "engine.reasoningParser",
    "speculative-algorithm": "engine.speculative.algorithm",
    "speculative-num-steps": "engine.speculative.numSteps",
    "speculative-eagle-topk": "engine.speculative.eagleTopk",
    "speculative-num-draft-tokens": "engine.speculative.numDraftTokens",
    "mem-fraction-static": "engine.memFractionStatic",
    "context-length": "engine.contextLength",
    "kv-cache-dtype": "engine.kvCacheDtype",
    "max-running-requests": "engine.maxRunningRequests",
    "cuda-graph-max-bs": "engine.cudaGraphMaxBs",
    "chunked-prefill-size": "engine.chunkedPrefillSize",
    "max-prefill-tokens": "engine.maxPrefillTokens",
    "attention-backend": "engine.attentionBackend",
    "nsa-prefill-backend": "engine.nsaPrefillBackend",
    "nsa-decode-backend": "engine.nsaDecodeBackend",
    "moe-runner-backend": "engine.moeRunnerBackend",
    quantization: "engine.quantization",
    "ep-size": "engine.expertParallelSize (or engine.enableExpertParallel)",
    "expert-parallel-size": "engine.expertParallelSize (or engine.enableExpertParallel)",
    "enable-flashinfer-allreduce-fusion": "engine.enableFlashinferAllreduceFusion",
    "disable-radix-cache": "engine.disableRadixCache",
    "stream-interval": "engine.streamInterval",
    "model-loader-extra-config": "engine.modelLoaderExtraConfig",
    "served-model-name": "model.servedModelName",
    "trust-remote-code": "engine.trustRemoteCode",
    "enable-metrics": "engine.enableMetrics",
    revision: "model.revision",
    "api-key": "apiKey (a Pulumi secret)",
  },
  shortFlags: {},
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
