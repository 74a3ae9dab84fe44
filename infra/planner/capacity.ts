import { ACCELERATORS, type AcceleratorEntry } from "../catalog/accelerators";
import type { ModelEntry, Quantization } from "../catalog/models";
import { activationPeakBytes, ENGINE_MEMORY, type PlannerEngine } from "./engineMemory";
import { kvBytesPerTokenPerDevice, type KvDtype } from "./kvCache";
import { groupLayout, type GroupLayout } from "./layout";
import { weightBytesPerDevice } from "./weights";
import { offloadPlacement, smallestCpuMoe, type ExpertOffload } from "./offload";

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
  /** llama.cpp: which layers and experts sit on the GPU and which in host memory (planner/offload.ts). */
  readonly expertOffload?: ExpertOffload;
  /** Other checkpoints of the model the engine could load, to name the ones that would fit. */
  readonly alternatives?: readonly { readonly id: string; readonly quantization: Quantization }[];
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
  if (i.expertOffload) return evaluateOffload(i, i.expertOffload);
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

/**
 * An engine that places whole layers and experts (llama.cpp): the GPU holds its layers' weights, the
 * KV cache of the whole context and the compute buffer; host memory holds what is kept there.
 */
function evaluateOffload(i: CapacityInput, o: ExpertOffload): Evaluation {
  const em = ENGINE_MEMORY[i.engine];
  const a = i.model.architecture;
  const acc = i.accelerator;
  const { layout, problems: layoutProblems } = groupLayout({
    nodes: i.nodes,
    devicesPerNode: acc.devicesPerNode,
    tensor: 1,
    pipeline: 1,
    data: 1,
    expertParallel: false,
    routedExperts: a.routedExperts,
  });
  const p = offloadPlacement(a, i.model.quantization, o);
  const total = acc.memoryBytes;
  const overhead = p.computeBytes;
  const free = total - p.deviceWeightBytes - overhead - p.kvBytes;
  const problems = [...layoutProblems];
  const where = `one ${acc.id} device (${gib(total)})`;
  if (free < 0) {
    problems.push(
      `weights on the GPU ${gib(p.deviceWeightBytes)} + KV cache ${gib(p.kvBytes)} (${int(o.ctxSize)} tokens) + compute buffer ${gib(overhead)} = ${gib(total - free)} exceed ${where}`,
    );
  }
  if (i.hostMemoryBytes !== undefined && p.hostBytes > i.hostMemoryBytes) {
    problems.push(
      `${gib(p.hostWeightBytes)} of weights in host memory + ${gib(p.hostBytes - p.hostWeightBytes)} for the process need ${gib(p.hostBytes)}, more than the pod's ${gib(i.hostMemoryBytes)}`,
    );
  }
  const maxModelLen = i.maxModelLen ?? o.ctxSize;
  if (maxModelLen > a.maxPositionEmbeddings) {
    problems.push(`each slot's ${int(maxModelLen)} tokens exceed the model's ${int(a.maxPositionEmbeddings)}`);
  }
  const seqs = i.maxNumSeqs ?? 1;
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
    memoryFraction: em.defaultFraction,
    usableBytesPerDevice: total,
    weightBytesPerDevice: p.deviceWeightBytes,
    offloadedBytesPerDevice: p.hostWeightBytes,
    overheadBytesPerDevice: overhead,
    kvCacheBytesPerDevice: p.kvBytes,
    freeBytesPerDevice: Math.floor(free),
    kvBytesPerTokenPerDevice: p.kvBytesPerToken,
    kvCacheTokens: o.ctxSize,
    maxModelLen,
    maxNumSeqs: seqs,
    maxNumBatchedTokens: em.defaultMaxNumBatchedTokens(acc),
    maxConcurrentSequencesAtMaxLen: Math.floor((o.ctxSize / maxModelLen) * 100) / 100,
    replicas: 1,
    hostMemoryBytesPerNode: p.hostBytes,
    problems,
    layoutProblems,
  };
}

/**
 * What would make an unfit offload layout fit: the fewest `--n-cpu-moe` blocks for this checkpoint,
 * then each other checkpoint of the model (smallest first is not assumed: every one is planned).
 */
function offloadSuggestions(i: CapacityInput, o: ExpertOffload): string[] {
  const out: string[] = [];
  const a = i.model.architecture;
  const base = { gpuLayers: o.gpuLayers, ctxSize: o.ctxSize, gpus: o.gpus };
  const describe = (n: number, p: ReturnType<typeof offloadPlacement>) =>
    `engine.nCpuMoe ${n} (${gib(p.deviceWeightBytes)} of weights on the GPU, ${gib(p.hostWeightBytes)} in host memory, pod.memory ${Math.ceil(p.hostBytes / GiB)}Gi or more)`;
  const own = smallestCpuMoe(a, i.model.quantization, base, i.accelerator.memoryBytes, i.hostMemoryBytes);
  if (own && (own.cpuMoeLayers !== o.cpuMoeLayers || o.allExpertsOnCpu)) {
    out.push(`experts in host memory: ${describe(own.cpuMoeLayers, own.placement)}`);
  }
  const fitting = (i.alternatives ?? []).flatMap((alt) => {
    const fit = smallestCpuMoe(a, alt.quantization, base, i.accelerator.memoryBytes, i.hostMemoryBytes);
    return fit ? [`${alt.id} with ${describe(fit.cpuMoeLayers, fit.placement)}`] : [];
  });
  if (fitting.length) out.push(`another quantisation: ${fitting.join("; or ")}`);
  return out;
}

/** Quantisations a smaller checkpoint of the same model could use on this vendor. */
const SMALLER: Partial<Record<Quantization, Record<"nvidia" | "ascend", Quantization | undefined>>> = {
  bf16: { nvidia: "fp8-block", ascend: "w4a8" },
  "fp8-block": { nvidia: undefined, ascend: "w4a8" },
  w4a8: { nvidia: undefined, ascend: undefined },
};

/**
 * What would make an unfit stack fit: each alternative is planned, and only those that fit are
 * offered. Alternatives start from the stack without offload (offload is its own suggestion).
 */
function suggestions(input: CapacityInput, plan: Evaluation): string[] {
  if (input.expertOffload) return offloadSuggestions(input, input.expertOffload);
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
  const smaller = SMALLER[i.model.quantization]?.[i.accelerator.vendor];
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
