import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import { imageString } from "../config/schema/common";
import type { ServingSpec } from "../config/spec";
import type { EngineContainer } from "../k8s/engineWorkload";
import { secretEnv } from "../k8s/secret";
import { HF_HOME } from "../k8s/weightCache";
import type { TimeBudgets } from "../planner/budgets";
import { nonDefaultFlag, switchFlag, toggleFlag, valueFlag, type Argv } from "./flags";

/**
 * The `vllm serve` command line of a stack.
 *
 * The order follows the hand-run command of seed 000 (model positional first, then parallelism,
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

export function vllmArgs(spec: ServingSpec): Argv {
  const e = spec.engine;
  return [
    spec.model.entry.repo,
    ...valueFlag("tensor-parallel-size", e.tensorParallelSize),
    ...nonDefaultFlag("pipeline-parallel-size", e.pipelineParallelSize, 1),
    ...nonDefaultFlag("data-parallel-size", e.dataParallelSize, 1),
    ...switchFlag("enable-expert-parallel", e.enableExpertParallel),
    ...(e.speculative
      ? [
          ...valueFlag("speculative-config.method", e.speculative.method),
          ...valueFlag("speculative-config.num_speculative_tokens", e.speculative.numSpeculativeTokens),
        ]
      : []),
    ...valueFlag("tool-call-parser", e.toolCallParser),
    ...valueFlag("reasoning-parser", e.reasoningParser),
    ...switchFlag("enable-auto-tool-choice", e.enableAutoToolChoice),
    ...valueFlag("served-model-name", spec.model.servedModelName),
    ...valueFlag("gpu-memory-utilization", e.gpuMemoryUtilization),
    ...valueFlag("max-model-len", e.maxModelLen),
    ...valueFlag("max-num-seqs", e.maxNumSeqs),
    ...valueFlag("max-num-batched-tokens", e.maxNumBatchedTokens),
    ...valueFlag("kv-cache-dtype", e.kvCacheDtype),
    ...toggleFlag("enable-chunked-prefill", e.enableChunkedPrefill),
    ...toggleFlag("enable-prefix-caching", e.enablePrefixCaching),
    ...valueFlag("cpu-offload-gb", e.cpuOffloadGb),
    ...switchFlag("trust-remote-code", e.trustRemoteCode),
    ...valueFlag("revision", spec.model.revision),
    ...nonDefaultFlag("port", e.port, VLLM_DEFAULT_PORT),
    ...e.extraArgs,
  ];
}

/** The engine container of a vLLM stack: argv, environment and port for the shared workload. */
export function vllmContainer(spec: ServingSpec, budgets: TimeBudgets): EngineContainer {
  const env: IEnvVar[] = [
    { name: "HF_HOME", value: HF_HOME },
    // The cache holds the pinned revision already; never reach out to the Hub at start.
    { name: "HF_HUB_OFFLINE", value: "1" },
    // vLLM waits this long for its engine-core processes, which load the weights; its default of
    // 600 s is shorter than reading a 750 GB checkpoint.
    { name: "VLLM_ENGINE_READY_TIMEOUT_S", value: String(budgets.startupSeconds) },
    ...(spec.credentials.apiKey ? [secretEnv(spec, "VLLM_API_KEY", "api-key")] : []),
    ...Object.entries(spec.engine.env).map(([name, value]) => ({ name, value })),
  ];
  return {
    image: imageString(spec.engine.image),
    command: VLLM_COMMAND,
    args: vllmArgs(spec),
    env,
    port: spec.engine.port,
    healthPath: "/health",
  };
}
