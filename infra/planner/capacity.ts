import { ACCELERATORS, type AcceleratorEntry } from "../catalog/accelerators";
import type { ModelEntry, Quantization } from "../catalog/models";
import { activationPeakBytes, ENGINE_MEMORY, type PlannerEngine } from "./engineMemory";
import { kvBytesPerTokenPerDevice, type KvDtype } from "./kvCache";
import { groupLayout, type GroupLayout } from "./layout";
import { weightBytesPerDevice } from "./weights";

/**
 * The capacity planner: does a stack fit its devices, and how much KV cache does it get?
 * Everything is per device (the most loaded one) and derived from the model's architecture, the
 * checkpoint's quantisation, the parallel layout and the engine's memory rules.
 */
export interface CapacityInput {
  readonly stack: string;
  readonly model: Pick<ModelEntry, "displayName" | "architecture" | "quantization">;
  readonly accelerator: AcceleratorEntry;
  readonly engine: PlannerEngine;
  readonly nodes: number;
  readonly tensor: number;
  readonly pipeline: number;
  readonly data: number;
  readonly expertParallel: boolean;
  /** vLLM `--gpu-memory-utilization` / SGLang `--mem-fraction-static`; the engine default when unset. */
  readonly memoryFraction?: number;
  readonly maxModelLen?: number;
  readonly maxNumSeqs?: number;
  readonly maxNumBatchedTokens?: number;
  readonly kvDtype: KvDtype;
  /** Speculative decoding drafts with the checkpoint's MTP layer (loaded, with a KV cache of its own). */
  readonly mtpDraft: boolean;
  /** vLLM `--cpu-offload-gb`: GiB of weights per device kept in host memory. */
  readonly cpuOffloadGiB: number;
  /** Host memory the engine pod may use (its memory limit), to check offload against. */
  readonly hostMemoryBytes?: number;
}

export interface CapacityPlan {
  readonly stack: string;
  readonly fits: boolean;
  readonly model: string;
  readonly quantization: Quantization;
  readonly engine: PlannerEngine;
  readonly accelerator: string;
  readonly nodes: number;
  readonly devicesPerNode: number;
  readonly layout: GroupLayout;
  readonly deviceMemoryBytes: number;
  readonly memoryFraction: number;
  /** What the engine may use of each device (vLLM) or reserves statically (SGLang). */
  readonly usableBytesPerDevice: number;
  readonly weightBytesPerDevice: number;
  readonly offloadedBytesPerDevice: number;
  readonly overheadBytesPerDevice: number;
  readonly kvCacheBytesPerDevice: number;
  readonly freeBytesPerDevice: number;
  readonly kvBytesPerTokenPerDevice: number;
  /** KV cache of one model replica (what the engine logs as its KV cache size). */
  readonly kvCacheTokens: number;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  /** Sequences of max-model-len the whole stack holds: every data-parallel replica has its own cache. */
  readonly maxConcurrentSequencesAtMaxLen: number;
  /** Data-parallel replicas, each with `kvCacheTokens` of KV cache. */
  readonly replicas: number;
  readonly hostMemoryBytesPerNode: number;
  readonly problems: string[];
  readonly suggestions: string[];
}

const GiB = 2 ** 30;
export const gib = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;
const int = (n: number) => Math.floor(n).toLocaleString("en-US");
/** Host memory an engine pod needs besides offloaded weights (tokenizer, scheduler, pinned staging). */
const HOST_BASELINE_BYTES = 32 * GiB;

type Evaluation = Omit<CapacityPlan, "suggestions"> & { readonly layoutProblems: readonly string[] };

function evaluate(i: CapacityInput): Evaluation {
  const em = ENGINE_MEMORY[i.engine];
  const a = i.model.architecture;
  const acc = i.accelerator;
  const { layout, problems: layoutProblems } = groupLayout({
    nodes: i.nodes,
    devicesPerNode: acc.devicesPerNode,
    tensor: i.tensor,
    pipeline: i.pipeline,
    data: i.data,
    expertParallel: i.expertParallel,
    routedExperts: a.routedExperts,
  });
  const problems = [...layoutProblems];
  const fraction = i.memoryFraction ?? em.defaultFraction;
  const maxModelLen = i.maxModelLen ?? a.maxPositionEmbeddings;
  const maxNumSeqs = i.maxNumSeqs ?? em.defaultMaxNumSeqs(acc);
  const batched = i.maxNumBatchedTokens ?? em.defaultMaxNumBatchedTokens(acc);
  const total = acc.memoryBytes;

  const allWeights = weightBytesPerDevice(
    a,
    i.model.quantization,
    { tensor: i.tensor, pipeline: i.pipeline, data: i.data },
    i.mtpDraft,
  );
  const offloaded = Math.min(allWeights, i.cpuOffloadGiB * GiB);
  const weights = allWeights - offloaded;
  const activation = activationPeakBytes(a, batched, maxNumSeqs);
  const nonTorch = em.nonTorchBytes(layout.worldSize);
  const overhead = activation + nonTorch + em.graphBytes;
  const usable = total * fraction;
  const kvPerToken = kvBytesPerTokenPerDevice(a, {
    dtype: i.kvDtype,
    layout: em.kvLayout,
    withMtp: i.mtpDraft,
    pipeline: i.pipeline,
  });

  // vLLM: the KV cache is what the utilisation cap leaves; SGLang: what the static share leaves
  // after weights and the memory taken before loading (activations and graphs live outside it).
  const kvRaw = em.budget === "utilization" ? usable - weights - overhead : usable - weights - nonTorch;
  const kv = Math.max(0, kvRaw);
  const kvTokens = Math.floor(kv / kvPerToken / em.blockTokens) * em.blockTokens;
  const free = total - weights - overhead - kv;
  const hostPerNode = offloaded * layout.devicesPerPod + (offloaded > 0 ? HOST_BASELINE_BYTES : 0);

  const where = `one ${acc.id} device (${gib(total)})`;
  if (weights > total) {
    problems.push(`the weights alone, ${gib(weights)} per device, are more than all of ${where}`);
  }
  if (kvRaw <= 0) {
    problems.push(
      em.budget === "utilization"
        ? `weights ${gib(weights)} + overhead ${gib(overhead)} = ${gib(weights + overhead)} exceed the ${gib(usable)} ${i.engine} may use of ${where} at ${em.fractionFlag} ${fraction}`
        : `weights ${gib(weights)} + ${gib(nonTorch)} in use before loading exceed the ${gib(usable)} static share of ${where} at ${em.fractionFlag} ${fraction}`,
    );
  } else if (kvTokens < maxModelLen) {
    problems.push(
      `the KV cache holds ${int(kvTokens)} tokens (${gib(kv)} at ${int(kvPerToken)} bytes per token), less than one sequence of max-model-len ${int(maxModelLen)}: the engine refuses to start`,
    );
  }
  if (em.budget === "static-fraction" && total * (1 - fraction) < activation + em.graphBytes) {
    problems.push(
      `${em.fractionFlag} ${fraction} leaves ${gib(total * (1 - fraction))} for activations and CUDA graphs, below the ${gib(activation + em.graphBytes)} they need at ${int(batched)} batched tokens`,
    );
  }
  if (i.cpuOffloadGiB > 0 && i.engine !== "vllm") {
    problems.push(`CPU weight offload (--cpu-offload-gb) is a vLLM feature; ${i.engine} cannot offload`);
  }
  if (i.hostMemoryBytes !== undefined && hostPerNode > i.hostMemoryBytes) {
    problems.push(
      `offloading ${gib(offloaded)} per device needs ${gib(hostPerNode)} of host memory per node, more than the pod's ${gib(i.hostMemoryBytes)}`,
    );
  }
  return {
    stack: i.stack,
    fits: problems.length === 0,
    model: i.model.displayName,
    quantization: i.model.quantization,
    engine: i.engine,
    accelerator: acc.id,
    nodes: i.nodes,
    devicesPerNode: acc.devicesPerNode,
    layout,
    deviceMemoryBytes: total,
    memoryFraction: fraction,
    usableBytesPerDevice: Math.floor(usable),
    weightBytesPerDevice: weights,
    offloadedBytesPerDevice: offloaded,
    overheadBytesPerDevice: overhead,
    kvCacheBytesPerDevice: Math.floor(kv),
    freeBytesPerDevice: Math.floor(free),
    kvBytesPerTokenPerDevice: kvPerToken,
    kvCacheTokens: kvTokens,
    maxModelLen,
    maxNumSeqs,
    maxNumBatchedTokens: batched,
    maxConcurrentSequencesAtMaxLen: Math.floor((kvTokens / maxModelLen) * i.data * 100) / 100,
    replicas: i.data,
    hostMemoryBytesPerNode: hostPerNode,
    problems,
    layoutProblems,
  };
}

/** Quantisations a smaller checkpoint of the same model could use on this vendor. */
const SMALLER: Record<Quantization, Record<"nvidia" | "ascend", Quantization | undefined>> = {
  bf16: { nvidia: "fp8-block", ascend: "w4a8" },
  "fp8-block": { nvidia: undefined, ascend: "w4a8" },
  w4a8: { nvidia: undefined, ascend: undefined },
  "gguf-q4": { nvidia: undefined, ascend: undefined },
};

/**
 * What would make an unfit stack fit: each alternative is planned, and only those that fit are
 * offered. Alternatives start from the stack without offload (offload is its own suggestion).
 */
function suggestions(input: CapacityInput, plan: Evaluation): string[] {
  const out: string[] = [];
  const i = { ...input, cpuOffloadGiB: 0 };
  const layoutOk = plan.layoutProblems.length === 0;
  const weightsFit = plan.kvCacheBytesPerDevice > 0;

  if (weightsFit && plan.kvCacheTokens < plan.maxModelLen && plan.kvCacheTokens > 0) {
    out.push(`a shorter context: max-model-len ${int(plan.kvCacheTokens)} or less fits the KV cache`);
  }
  if (!layoutOk) return out;
  for (let nodes = i.nodes + 1; nodes <= 4; nodes++) {
    const data = (i.data / i.nodes) * nodes;
    const more = evaluate({ ...i, nodes, data, expertParallel: true });
    if (more.fits) {
      out.push(
        `more devices: ${nodes} nodes of ${i.accelerator.devicesPerNode} x ${i.accelerator.id} as DP${data} x TP${i.tensor} with expert parallelism (${gib(more.weightBytesPerDevice)} of weights per device, ${int(more.kvCacheTokens)} KV tokens)`,
      );
      break;
    }
  }
  for (const other of Object.values(ACCELERATORS)) {
    if (other.vendor !== i.accelerator.vendor || other.memoryBytes <= i.accelerator.memoryBytes) continue;
    const bigger = evaluate({ ...i, accelerator: other });
    if (bigger.fits) {
      out.push(
        `bigger devices: ${i.nodes} node(s) of ${other.devicesPerNode} x ${other.id} (${int(bigger.kvCacheTokens)} KV tokens)`,
      );
      break;
    }
  }
  const smaller = SMALLER[i.model.quantization][i.accelerator.vendor];
  if (smaller) {
    const q = evaluate({ ...i, model: { ...i.model, quantization: smaller } });
    if (q.fits) out.push(`a smaller checkpoint: ${smaller} (${gib(q.weightBytesPerDevice)} of weights per device)`);
  }
  if (!weightsFit && i.engine === "vllm") {
    // Offload until the weights leave room for the overhead and one max-model-len sequence.
    const needed =
      plan.weightBytesPerDevice +
      plan.offloadedBytesPerDevice +
      plan.overheadBytesPerDevice +
      plan.maxModelLen * plan.kvBytesPerTokenPerDevice -
      plan.usableBytesPerDevice;
    const offload = Math.ceil(needed / GiB);
    const off = evaluate({ ...i, cpuOffloadGiB: offload, hostMemoryBytes: undefined });
    if (off.fits) {
      const podMemory = Math.ceil(off.hostMemoryBytesPerNode / GiB);
      out.push(
        `CPU offload: engine.cpuOffloadGb ${offload} with pod.memory ${podMemory}Gi or more (--cpu-offload-gb ${offload}: ${offload} GiB of weights per GPU in host memory; every decode step then streams them over PCIe)`,
      );
    }
  }
  return out;
}

export function planCapacity(i: CapacityInput): CapacityPlan {
  const { layoutProblems: _, ...plan } = evaluate(i);
  return { ...plan, suggestions: plan.fits ? [] : suggestions(i, evaluate(i)) };
}
