import type { AcceleratorEntry, AcceleratorVendor } from "../catalog/accelerators";
import type { BenchmarkReference } from "../catalog/benchmarks";
import type { CheckpointFormat, ModelEntry } from "../catalog/models";
import { didYouMean, setCommand, type ConfigProblem } from "../core/problems";
import type { EngineConfig } from "./schema";
import type { ImageRef } from "../core/schemaFields";
import type { ProcessEnv } from "../core/process";
import type { TimeBudgets } from "../core/timeBudgets";
import type { EngineCapacity, EngineMemoryModel } from "./memory";
import type { EngineMetrics } from "./metrics";
import type { FlagTable } from "./flagTable";

/**
 * What a driver reads of a resolved stack: the engine's own settings and the few shared facts its
 * flags depend on. config/spec.ts's ServingSpec has all of it (it is passed as is); the type sits
 * here so the engines need nothing above them.
 */
export interface EngineSpec<E extends EngineConfig = EngineConfig> {
  readonly engine: E;
  readonly model: { readonly entry: ModelEntry; readonly revision: string; readonly servedModelName: string };
  readonly accelerator: AcceleratorEntry;
  readonly nodePool: { readonly nodes: number };
  /** Which credentials the stack has; apiKey names where the key comes from (config/spec.ts), false: none. */
  readonly credentials: { readonly hfToken: boolean; readonly apiKey: string | false };
  readonly weightCache: { readonly downloadImage: ImageRef };
  readonly images: {
    readonly build: boolean;
    readonly registry?: string | undefined;
    readonly tag?: string | undefined;
    readonly baseImage?: string | undefined;
    readonly transformersCommit?: string | undefined;
  };
}

/**
 * What an inference engine contributes to a stack. Everything engine-neutral (the pod around the
 * container, the cache, probes, secrets, the Service, scheduling, the planner's arithmetic) is
 * shared; a driver says only how its engine is configured, started and accounted for.
 */
export interface EngineDriver<E extends EngineConfig = EngineConfig, R extends E = E> {
  readonly kind: E["kind"];
  /** Pulumi type token of the engine's component. */
  readonly componentType: string;
  readonly vendors: readonly AcceleratorVendor[];
  /** Whether the engine can run as a multi-node data-parallel group (leader plus headless workers). */
  readonly supportsGroups: boolean;
  /**
   * The engine's flags, in argv order (engines/flagTable.ts): its argv (before `extraArgs`) and its
   * typed and short flags below are all derived from it.
   */
  readonly flags: FlagTable<EngineSpec<R>>;
  /** Flag name (without `--`) -> the config field that sets it; `extraArgs` may not repeat them. */
  readonly typedFlags: Readonly<Record<string, string>>;
  /** Single-dash aliases the engine's CLI accepts (`-tp` for `--tensor-parallel-size`), alias -> flag. */
  readonly shortFlags: Readonly<Record<string, string>>;
  /** Size of the memory-backed /dev/shm the engine's docs ask for (`docker run --shm-size`). */
  readonly defaultShmSize: string;
  /** Environment variables the stack sets in this engine's container; `engine.env` may not. */
  readonly managedEnv: readonly string[];
  /** Cross-field rules of this engine against the model and the accelerator. */
  rules(engine: E, model: ModelEntry, acc: AcceleratorEntry): ConfigProblem[];
  /** Fills the fields whose defaults come from the catalogs (parsers, image per accelerator, ...). */
  resolve(engine: E, model: ModelEntry, acc: AcceleratorEntry): R;
  /** Whether the engine serves Prometheus metrics on /metrics with these settings. */
  servesMetrics(engine: E): boolean;
  /** The config field that sets the devices directly, where the engine has one (llama.cpp: engine.gpus). */
  readonly devicesField?: string;
  /** Checkpoint formats the engine loads (the catalog's safetensors or GGUF). */
  readonly checkpointFormats: readonly CheckpointFormat[];
  /**
   * Image of the helper steps that need Python (the weight download, the smoke test), where the
   * engine's own image has none; default: the engine's image.
   */
  readonly toolsImage?: ImageRef;
  /** How the engine splits a device's memory, for the planner (engines/memory.ts). */
  readonly memory: EngineMemoryModel;
  /** Published runs of the engine `npm run bench:report` compares with (engines/<kind>/baselines.ts). */
  readonly baselines?: readonly Omit<BenchmarkReference, "engine">[];
  /** Prometheus metric names the engine exports (dashboards, alerts, autoscaling); unset where unverified. */
  readonly metrics?: EngineMetrics;
  /**
   * How the Inference Extension router reads this engine: its InferencePool's `modelServers.type`
   * and, where not vLLM's, the EPP's `defaultEngine` for metric names.
   */
  readonly router: { readonly modelServersType: string; readonly eppDefaultEngine?: string };
  /** Whether the engine runs on a Docker host with GPUs (target docker). */
  readonly docker: boolean;
  /**
   * images/ builds the engine's image (images.build): the Dockerfile's folder under images/ and the
   * platform of the hosts it runs on; unset: the engine runs its published image, for `noImageBuild`.
   */
  readonly imageBuild?: { readonly context: string; readonly platform: string };
  readonly noImageBuild?: string;
  /** Rules of a multi-node group of `nodes` nodes beyond the shared ones (how its ranks meet). */
  groupRules?(engine: E, nodes: number): ConfigProblem[];
  /** Environment pointing the engine's compilers at the persistent compile cache below `root`. */
  compileCacheEnv(root: string): readonly { readonly name: string; readonly value: string }[];
  /** Accelerators one engine pod needs (every rank of its parallel layout on the node). */
  devicesPerPod(engine: R): number;
  /** The engine's process, which the Kubernetes workload and the Docker service each render. */
  process(spec: EngineSpec<R>, budgets: TimeBudgets): EngineProcess;
  /** The planner's view of the engine's settings. */
  capacity(spec: EngineSpec<R>): EngineCapacity;
}

/**
 * The engine's process, target-neutral: what runs (image, command, args), its environment (values
 * and references to the stack's credentials, never a secret's value), the port and health path it
 * serves, and what a multi-node group adds. The Kubernetes target puts it into the shared pod
 * (k8s/engineWorkload.ts), the Docker target into a Compose service (docker/container.ts).
 */
export interface EngineProcess {
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly ProcessEnv[];
  readonly port: number;
  /** Path that answers 200 once the model is loaded and the engine healthy. */
  readonly healthPath: string;
  /**
   * Host paths the engine needs, mounted read-only at the same path (drivers and tools of the node),
   * typed: a missing file or directory then fails the pod's start instead of becoming an empty
   * directory the engine trips over later.
   */
  readonly hostPaths?: readonly { readonly name: string; readonly path: string; readonly type: "File" | "Directory" }[];
  /** Socket-interface variables a multi-node group sets to the pod's NIC (GLOO_SOCKET_IFNAME, ...). */
  readonly socketInterfaceVars?: readonly string[];
  /** Further environment of a multi-node group's pods (may use $(POD_IP)). */
  readonly groupEnv?: readonly ProcessEnv[];
  /** How a multi-node group's ranks find each other; default vLLM's data parallelism. */
  readonly groupLaunch?: GroupLaunch;
  /** Image of the helper steps that need Python, where the engine's image has none (llama.cpp). */
  readonly toolsImage?: string;
  /** What a health check in the engine's own image calls: Python (default) or curl. */
  readonly httpClient?: "python3" | "curl";
  /** The smoke test also asks for a tool call (llama.cpp with --jinja). */
  readonly smokeToolCall?: boolean;
}

/**
 * How the ranks of a multi-node group meet, for the group entrypoint (its GROUP_LAUNCH): vLLM's data
 * parallelism (the leader's address, `--headless` and a start rank on workers; the default), or
 * SGLang's (`--node-rank`, `--dist-init-addr` leader:port).
 */
export interface GroupLaunch {
  readonly launcher: string;
  /** Port of `--dist-init-addr` (SGLang); unset: vLLM's data-parallel start ranks. */
  readonly distInitPort?: number;
}

export const DATA_PARALLEL_GROUP_LAUNCH: GroupLaunch = { launcher: "vllm" };

/** Environment every engine gets: the cache as the Hugging Face home, and no Hub access at start. */
export const COMMON_MANAGED_ENV = ["HF_HOME", "HF_HUB_OFFLINE", "HF_TOKEN"] as const;

/** An engine's context-length setting may not exceed what the model was trained for. */
export function contextLengthRule(path: string, value: number | undefined, model: ModelEntry): ConfigProblem[] {
  const max = model.architecture.maxPositionEmbeddings;
  if (value === undefined || value <= max) return [];
  return [
    {
      path,
      value,
      allowed: `at most ${max} (the model's max_position_embeddings)`,
      fix: `pulumi config set --path ${path} ${max}`,
    },
  ];
}

/** The parser settings an engine fills from the model's catalog entry (vLLM's and SGLang's flags). */
export type ParserField = "toolCallParser" | "reasoningParser";

/**
 * The catalog names a model's parsers once for every engine; an engine takes them only when they are
 * among its own choices (its `--tool-call-parser` / `--reasoning-parser` values). Where a catalog name
 * is not, the stack is refused here instead of the engine failing at start.
 */
export function catalogParserRules(
  engineName: string,
  engine: Partial<Record<ParserField, string>>,
  model: ModelEntry,
  choices: Readonly<Record<ParserField, readonly string[]>>,
): ConfigProblem[] {
  return (["toolCallParser", "reasoningParser"] as const).flatMap((field) => {
    const name = model[field];
    if (engine[field] !== undefined || choices[field].includes(name)) return [];
    const path = `engine.${field}`;
    const closest = didYouMean(name, choices[field]) ?? choices[field][0]!;
    return [
      {
        path,
        value: name,
        allowed: `one of ${engineName}'s parsers (model.id ${model.id} names ${name}, which ${engineName} does not know): ${choices[field].join(", ")}`,
        fix: setCommand(path, closest),
      },
    ];
  });
}

/** The catalog's parser name, typed as the engine's choice it was checked to be (catalogParserRules). */
export function catalogParser<T extends string>(choices: readonly T[], name: string): T | undefined {
  return choices.find((c) => c === name);
}
