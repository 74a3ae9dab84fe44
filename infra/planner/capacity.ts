import { ACCELERATORS, type AcceleratorEntry } from "../catalog/accelerators";
import { MODELS, type ModelEntry, type Quantization } from "../catalog/models";
import { driverOfKind } from "../engines";
import type { EngineConfig } from "../engines/schema";
import type { EngineCapacity } from "../engines/memory";
import { activationPeakBytes } from "./engineMemory";
import { kvBytesPerTokenPerDevice, kvBytesPerTokenPerLayer, type KvDtype } from "./kvCache";
import { groupLayout, type GroupLayout } from "../core/groupLayout";
import { weightBytesPerDevice } from "../catalog/weights";
import { offloadPlacement, smallestCpuMoe, type ExpertOffload, type OffloadPlacement } from "./offload";

/** The engine a plan is for: its driver's memory model decides how a device's memory is split. */
type PlannerEngine = EngineConfig["kind"];

/**
 * The capacity planner: does a stack fit its devices, with how much to spare, and how much KV cache
 * does it get? Everything is per device (the most loaded one) and derived from the model's
 * architecture, the checkpoint's quantisation, the parallel layout and the engine's own memory rules
 * (each driver's memory model, engines/<kind>/memory.ts; docs/capacity-planning.md).
 */
export interface CapacityInput extends EngineCapacity {
  readonly stack: string;
  readonly model: Pick<ModelEntry, "displayName" | "architecture" | "quantization"> & { readonly id?: string };
  readonly accelerator: AcceleratorEntry;
  readonly nodes: number;
  /** Host memory the engine pod may use (its memory limit), to check offload against. */
  readonly hostMemoryBytes?: number;
}

export type Verdict = "fits" | "tight" | "does-not-fit";

/** One overhead term: what it is, its size per device, and whether it is inside the engine's fraction. */
export interface OverheadTerm {
  readonly name: string;
  readonly bytes: number;
  readonly insideFraction: boolean;
}

/**
 * What the planner offers instead: the settings to change (config paths, as `pulumi config set
 * --path` takes them) and the resulting verdict. Each is planned before it is offered.
 */
export interface Alternative {
  readonly kind: "context" | "fraction" | "tensor" | "sequences" | "nodes" | "accelerator" | "checkpoint" | "offload";
  readonly text: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
  readonly verdict: Verdict;
}

export interface CapacityPlan {
  readonly stack: string;
  /** Not "does-not-fit": the engine starts (a tight plan fits, with the margin stated). */
  readonly fits: boolean;
  readonly verdict: Verdict;
  /** Why a plan is tight: each margin under its threshold and what eats it. Empty otherwise. */
  readonly tightReasons: string[];
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
  /** Every overhead term, inside and outside the fraction. */
  readonly overheadBytesPerDevice: number;
  readonly overheads: readonly OverheadTerm[];
  /** Overhead allocated outside the engine's fraction (SGLang's activations, graphs, draft pool). */
  readonly outsideFractionBytesPerDevice: number;
  readonly kvCacheBytesPerDevice: number;
  /** Memory nothing claims: the margin against the overhead estimates being low. */
  readonly freeBytesPerDevice: number;
  readonly kvDtype: KvDtype;
  readonly kvDtypeReason?: string;
  readonly graphsReason?: string;
  readonly kvBytesPerTokenPerDevice: number;
  /** KV cache of one model replica (what the engine logs as its KV cache size). */
  readonly kvCacheTokens: number;
  /** KV tokens beyond one max-model-len sequence (negative when short). */
  readonly kvMarginTokens: number;
  /** The engine allocates exactly the context (llama.cpp's --ctx-size), not a share's remainder: no KV margin applies. */
  readonly kvSizedByContext?: boolean;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens: number;
  /** Sequences of max-model-len the whole stack holds: every model replica has its own cache. */
  readonly maxConcurrentSequencesAtMaxLen: number;
  /** Model replicas of the stack: data-parallel replicas x pod replicas, each with its own KV cache. */
  readonly replicas: number;
  /** Data-parallel replicas inside one serving group. */
  readonly dataParallelReplicas: number;
  /** Serving groups (`pod.replicas`), each on `nodes` nodes of its own. */
  readonly groups: number;
  /** Nodes of the whole stack: groups x nodes per group. */
  readonly totalNodes: number;
  readonly hostMemoryBytesPerNode: number;
  readonly problems: string[];
  readonly suggestions: string[];
  readonly alternatives: readonly Alternative[];
}

const GiB = 2 ** 30;
export const gib = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;
const int = (n: number) => Math.floor(n).toLocaleString("en-US");
/** Host memory an engine pod needs besides offloaded weights (tokenizer, scheduler, pinned staging). */
const HOST_BASELINE_BYTES = 32 * GiB;

/**
 * Thresholds of a tight verdict.
 * - Free device memory under 2 GiB: the overhead terms are estimates (graphs 1-4 GiB and
 *   communication buffers 1-2 GiB in DeepSeek-V3-class logs), so a smaller margin is within their
 *   error and cannot promise the engine starts or survives its first large batch.
 * - A KV cache within 10% of one max-model-len sequence: an error of a few percent in any term moves
 *   the cache below one sequence (the engine then refuses to start), and such a cache serves one long
 *   request at a time.
 */
export const TIGHT_FREE_BYTES = 2 * GiB;
export const TIGHT_KV_SPARE = 0.1;
/** Highest memory fraction the planner suggests: the driver and stray allocations need the rest. */
const MAX_SUGGESTED_FRACTION = 0.95;
/** Lowest one: below it the weights of any catalog model no longer fit a node of this project. */
const MIN_SUGGESTED_FRACTION = 0.5;

type Evaluation = Omit<CapacityPlan, "suggestions" | "alternatives"> & { readonly layoutProblems: readonly string[] };

/**
 * What every evaluation reports the same way: the stack's identity and the verdict its problems and
 * tight reasons give (any problem: does not fit; else any tight reason: tight; else fits).
 */
function verdictAndIdentity(i: CapacityInput, problems: readonly unknown[], tightReasons: string[]) {
  const verdict: Verdict = problems.length > 0 ? "does-not-fit" : tightReasons.length > 0 ? "tight" : "fits";
  return {
    stack: i.stack,
    fits: verdict !== "does-not-fit",
    verdict,
    tightReasons,
    model: i.model.displayName,
    quantization: i.model.quantization,
    engine: i.engine,
    accelerator: i.accelerator.id,
    nodes: i.nodes,
    devicesPerNode: i.accelerator.devicesPerNode,
  };
}

function evaluate(i: CapacityInput): Evaluation {
  if (i.expertOffload) return evaluateOffload(i, i.expertOffload);
  const em = driverOfKind(i.engine).memory;
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
  const batched = i.maxNumBatchedTokens ?? em.defaultMaxNumBatchedTokens(acc);
  const total = acc.memoryBytes;
  const outsideDraft = em.draftPool === "outside" && i.mtpDraft;
  const parallel = { tensor: i.tensor, pipeline: i.pipeline, data: i.data };

  // The target's weights; for SGLang the draft (MTP) layer is a separate worker's, outside the fraction.
  const allWeights = weightBytesPerDevice(a, i.model.quantization, parallel, i.mtpDraft && !outsideDraft);
  const draftWeights = outsideDraft
    ? weightBytesPerDevice(a, i.model.quantization, parallel, true) -
      weightBytesPerDevice(a, i.model.quantization, parallel, false)
    : 0;
  const offloaded = Math.min(allWeights, i.cpuOffloadGiB * GiB);
  const weights = allWeights - offloaded;
  const nonTorch = em.nonTorchBytes(layout.worldSize);
  const usable = total * fraction;
  const kvPerToken = kvBytesPerTokenPerDevice(a, {
    dtype: i.kvDtype,
    indexerKeys: em.indexerKeys,
    withMtp: i.mtpDraft && !outsideDraft,
    pipeline: i.pipeline,
  });

  const overheads: OverheadTerm[] = [];
  let kvRaw: number;
  let maxNumSeqs: number;
  let kvTokens: number;
  let kv: number;
  if (em.budget === "utilization") {
    maxNumSeqs = i.maxNumSeqs ?? em.defaultMaxNumSeqs(acc);
    const activation = activationPeakBytes(a, batched, maxNumSeqs);
    const graphsInside = i.graphsInBudget ?? true;
    overheads.push(
      { name: "activations", bytes: activation, insideFraction: true },
      { name: "communication buffers and CUDA context", bytes: nonTorch, insideFraction: true },
      { name: "CUDA graphs", bytes: em.graphBytes, insideFraction: graphsInside },
    );
    const inside = overheads.filter((o) => o.insideFraction).reduce((s, o) => s + o.bytes, 0);
    kvRaw = usable - weights - inside;
    kv = Math.max(0, kvRaw);
    kvTokens = Math.floor(kv / kvPerToken / em.blockTokens) * em.blockTokens;
  } else {
    // SGLang: the pool is what the static share leaves after weights and the memory in use before
    // loading; with speculative decoding it is then enlarged by the draft headroom, as is the draft
    // worker's one-layer pool of the same size.
    kvRaw = usable - weights - nonTorch;
    const poolTokens = Math.floor(Math.max(0, kvRaw) / kvPerToken / em.blockTokens) * em.blockTokens;
    maxNumSeqs = i.maxNumSeqs ?? em.defaultMaxRequests!(poolTokens, maxModelLen);
    const tree = i.draftTree ?? { numSteps: 0, eagleTopk: 0, numDraftTokens: 0 };
    const headroom =
      i.draftTree && poolTokens > 0 && em.draftHeadroomTokens ? em.draftHeadroomTokens(maxNumSeqs, tree) : 0;
    kvTokens = poolTokens + headroom;
    kv = poolTokens * kvPerToken;
    const draftKv = outsideDraft ? kvTokens * a.mtpLayers * kvBytesPerTokenPerLayer(a, i.kvDtype, em.indexerKeys) : 0;
    overheads.push(
      {
        name: "memory in use before loading (CUDA context, communication buffers)",
        bytes: nonTorch,
        insideFraction: true,
      },
      { name: "activations", bytes: activationPeakBytes(a, batched, maxNumSeqs), insideFraction: false },
      { name: "CUDA graphs", bytes: em.graphBytes, insideFraction: false },
      { name: "request-to-token table", bytes: (maxNumSeqs + 1) * maxModelLen * 4, insideFraction: false },
      { name: "speculative headroom of the KV pool", bytes: headroom * kvPerToken, insideFraction: false },
      { name: "MTP draft weights", bytes: draftWeights, insideFraction: false },
      { name: "MTP draft KV pool", bytes: draftKv, insideFraction: false },
    );
  }
  const terms = overheads.filter((o) => o.bytes > 0);
  const overhead = terms.reduce((s, o) => s + o.bytes, 0);
  const outside = terms.filter((o) => !o.insideFraction).reduce((s, o) => s + o.bytes, 0);
  const free = total - weights - overhead - kv;
  const hostPerNode = offloaded * layout.devicesPerPod + (offloaded > 0 ? HOST_BASELINE_BYTES : 0);
  const kvMarginTokens = kvTokens - maxModelLen;

  const where = `one ${acc.id} device (${gib(total)})`;
  if (weights > total) {
    problems.push(`the weights alone, ${gib(weights)} per device, are more than all of ${where}`);
  }
  const insideOverhead = overhead - outside;
  if (kvRaw <= 0) {
    problems.push(
      em.budget === "utilization"
        ? `weights ${gib(weights)} + overhead ${gib(insideOverhead)} = ${gib(weights + insideOverhead)} exceed the ${gib(usable)} ${i.engine} may use of ${where} at ${em.fractionFlag} ${fraction}`
        : `weights ${gib(weights)} + ${gib(nonTorch)} in use before loading exceed the ${gib(usable)} static share of ${where} at ${em.fractionFlag} ${fraction}`,
    );
  } else if (kvTokens < maxModelLen) {
    problems.push(
      `the KV cache holds ${int(kvTokens)} tokens (${gib(kv)} at ${int(kvPerToken)} bytes per token), less than one sequence of max-model-len ${int(maxModelLen)}: the engine refuses to start`,
    );
  }
  if (kvRaw > 0 && free < 0 && outside > 0) {
    problems.push(
      `${em.fractionFlag} ${fraction} leaves ${gib(total - usable)} outside the engine's share, below the ${gib(outside)} allocated there (${describe(terms.filter((o) => !o.insideFraction))})`,
    );
  }
  if (i.cpuOffloadGiB > 0 && !driverOfKind(i.engine).memory.cpuOffload) {
    problems.push(`CPU weight offload (--cpu-offload-gb) is a vLLM feature; ${i.engine} cannot offload`);
  }
  if (i.hostMemoryBytes !== undefined && hostPerNode > i.hostMemoryBytes) {
    problems.push(
      `offloading ${gib(offloaded)} per device needs ${gib(hostPerNode)} of host memory per node, more than the pod's ${gib(i.hostMemoryBytes)}`,
    );
  }

  const tightReasons: string[] = [];
  if (problems.length === 0) {
    if (free < TIGHT_FREE_BYTES) {
      tightReasons.push(
        `${gib(free)} of each device is free, under the ${gib(TIGHT_FREE_BYTES)} the overhead estimates can be off by; it goes to ${describe(outside > 0 ? terms.filter((o) => !o.insideFraction) : terms)} and the ${gib(usable)} share at ${em.fractionFlag} ${fraction}`,
      );
    }
    if (kvTokens < maxModelLen * (1 + TIGHT_KV_SPARE)) {
      tightReasons.push(
        `the KV cache holds ${int(kvMarginTokens)} tokens (${gib(kvMarginTokens * kvPerToken)}) beyond one sequence of max-model-len ${int(maxModelLen)}, under ${TIGHT_KV_SPARE * 100}% of it; the ${gib(usable)} share at ${em.fractionFlag} ${fraction} goes to weights ${gib(weights)} and overhead ${gib(insideOverhead)} first`,
      );
    }
  }
  const groups = i.podReplicas ?? 1;
  return {
    ...verdictAndIdentity(i, problems, tightReasons),
    layout,
    deviceMemoryBytes: total,
    memoryFraction: fraction,
    usableBytesPerDevice: Math.floor(usable),
    weightBytesPerDevice: weights,
    offloadedBytesPerDevice: offloaded,
    overheadBytesPerDevice: overhead,
    overheads: terms,
    outsideFractionBytesPerDevice: outside,
    kvCacheBytesPerDevice: Math.floor(kv),
    freeBytesPerDevice: Math.floor(free),
    kvDtype: i.kvDtype,
    ...(i.kvDtypeReason !== undefined ? { kvDtypeReason: i.kvDtypeReason } : {}),
    ...(i.graphsReason !== undefined ? { graphsReason: i.graphsReason } : {}),
    kvBytesPerTokenPerDevice: kvPerToken,
    kvCacheTokens: kvTokens,
    kvMarginTokens,
    maxModelLen,
    maxNumSeqs,
    maxNumBatchedTokens: batched,
    maxConcurrentSequencesAtMaxLen: Math.floor((kvTokens / maxModelLen) * i.data * groups * 100) / 100,
    replicas: i.data * groups,
    dataParallelReplicas: i.data,
    groups,
    totalNodes: i.nodes * groups,
    hostMemoryBytesPerNode: hostPerNode,
    problems,
    layoutProblems,
  };
}

function describe(terms: readonly OverheadTerm[]): string {
  return [...terms]
    .sort((x, y) => y.bytes - x.bytes)
    .map((o) => `${o.name} ${gib(o.bytes)}`)
    .join(", ");
}

/**
 * An engine that places whole layers and experts (llama.cpp): the GPU holds its layers' weights, the
 * KV cache of the whole context (allocated at start) and the compute buffer; host memory holds the
 * weights kept there. Tight, as for the other engines, when under 2 GiB of the GPU is left free.
 */
function evaluateOffload(i: CapacityInput, o: ExpertOffload): Evaluation {
  const em = driverOfKind(i.engine).memory;
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
  const overheads: OverheadTerm[] = [
    { name: "compute buffer and CUDA context (estimate)", bytes: p.computeBytes, insideFraction: true },
  ];
  const free = total - p.deviceWeightBytes - p.computeBytes - p.kvBytes;
  const problems = [...layoutProblems];
  if (free < 0) {
    problems.push(
      `weights on the GPU ${gib(p.deviceWeightBytes)} + KV cache ${gib(p.kvBytes)} (${int(o.ctxSize)} tokens) + compute buffer ${gib(p.computeBytes)} = ${gib(total - free)} exceed one ${acc.id} device (${gib(total)})`,
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
  const tightReasons =
    problems.length === 0 && free < TIGHT_FREE_BYTES
      ? [
          `${gib(free)} of the GPU is free, under the ${gib(TIGHT_FREE_BYTES)} the compute-buffer estimate can be off by; raise engine.nCpuMoe to keep more experts in host memory`,
        ]
      : [];
  return {
    ...verdictAndIdentity(i, problems, tightReasons),
    layout,
    deviceMemoryBytes: total,
    memoryFraction: em.defaultFraction,
    usableBytesPerDevice: total,
    weightBytesPerDevice: p.deviceWeightBytes,
    offloadedBytesPerDevice: p.hostWeightBytes,
    overheadBytesPerDevice: p.computeBytes,
    overheads,
    outsideFractionBytesPerDevice: 0,
    kvCacheBytesPerDevice: p.kvBytes,
    freeBytesPerDevice: Math.floor(free),
    kvDtype: i.kvDtype,
    kvBytesPerTokenPerDevice: p.kvBytesPerToken,
    kvCacheTokens: o.ctxSize,
    kvMarginTokens: o.ctxSize - maxModelLen,
    kvSizedByContext: true,
    maxModelLen,
    maxNumSeqs: i.maxNumSeqs ?? 1,
    maxNumBatchedTokens: em.defaultMaxNumBatchedTokens(acc),
    maxConcurrentSequencesAtMaxLen: Math.floor((o.ctxSize / maxModelLen) * 100) / 100,
    replicas: 1,
    dataParallelReplicas: 1,
    groups: i.podReplicas ?? 1,
    totalNodes: i.nodes * (i.podReplicas ?? 1),
    hostMemoryBytesPerNode: p.hostBytes,
    problems,
    layoutProblems,
  };
}

/**
 * What would make an unfit llama.cpp layout fit: the fewest `--n-cpu-moe` blocks for this checkpoint,
 * then every other GGUF checkpoint of the same model (each with its fewest blocks), all planned.
 */
function offloadAlternatives(i: CapacityInput, o: ExpertOffload): Alternative[] {
  const out: Alternative[] = [];
  const a = i.model.architecture;
  const base = { gpuLayers: o.gpuLayers, ctxSize: o.ctxSize, gpus: o.gpus };
  const describe = (n: number, p: OffloadPlacement) =>
    `engine.nCpuMoe ${n} (${gib(p.deviceWeightBytes)} of weights on the GPU, ${gib(p.hostWeightBytes)} in host memory, pod.memory ${Math.ceil(p.hostBytes / GiB)}Gi or more)`;
  const settings = (n: number, p: OffloadPlacement) => ({
    "engine.nCpuMoe": n,
    "pod.memory": `${Math.ceil(p.hostBytes / GiB)}Gi`,
  });
  // The fewest blocks that fit with the margin a fitting verdict wants.
  const fewest = (q: Quantization) =>
    smallestCpuMoe(a, q, base, i.accelerator.memoryBytes, i.hostMemoryBytes, TIGHT_FREE_BYTES);
  const own = fewest(i.model.quantization);
  if (own && (own.cpuMoeLayers !== o.cpuMoeLayers || o.allExpertsOnCpu)) {
    const e = evaluate({ ...i, expertOffload: { ...o, cpuMoeLayers: own.cpuMoeLayers, allExpertsOnCpu: false } });
    out.push({
      kind: "offload",
      text: `experts in host memory: ${describe(own.cpuMoeLayers, own.placement)}`,
      settings: settings(own.cpuMoeLayers, own.placement),
      verdict: e.verdict,
    });
  }
  const current = i.model.id;
  // The same release only: GLM-5's and GLM-5.1's GGUFs share an architecture but are other models.
  const release = (m: ModelEntry | undefined) => m?.displayName.split(" ")[0];
  const currentRelease = release(current ? (MODELS as Record<string, ModelEntry>)[current] : undefined);
  for (const m of Object.values(MODELS as Record<string, ModelEntry>)) {
    if (!m.gguf || m.architecture !== a || m.id === current) continue;
    if (currentRelease !== undefined && release(m) !== currentRelease) continue;
    const fit = fewest(m.quantization);
    if (!fit) continue;
    const e = evaluate({
      ...i,
      model: m,
      expertOffload: { ...o, cpuMoeLayers: fit.cpuMoeLayers, allExpertsOnCpu: false },
    });
    out.push({
      kind: "checkpoint",
      text: `another quantisation: model.id ${m.id} with ${describe(fit.cpuMoeLayers, fit.placement)}`,
      settings: { "model.id": m.id, ...settings(fit.cpuMoeLayers, fit.placement) },
      verdict: e.verdict,
    });
  }
  return out;
}

/** Quantisations a smaller checkpoint of the same model could use on this vendor. */
const SMALLER: Partial<Record<Quantization, Record<"nvidia" | "ascend", Quantization | undefined>>> = {
  bf16: { nvidia: "fp8-block", ascend: "w4a8" },
  "fp8-block": { nvidia: undefined, ascend: "w4a8" },
  w4a8: { nvidia: undefined, ascend: undefined },
};

/** A catalog checkpoint of the same model (architecture and release) with another quantisation. */
function sibling(model: CapacityInput["model"], q: Quantization, vendor: "nvidia" | "ascend"): ModelEntry | undefined {
  const current = model.id ? (MODELS as Record<string, ModelEntry>)[model.id] : undefined;
  const release = (m: ModelEntry) => m.displayName.split(" ")[0];
  return Object.values(MODELS as Record<string, ModelEntry>).find(
    (m) =>
      m.quantization === q &&
      m.architecture === model.architecture &&
      (current === undefined || release(m) === release(current)) &&
      (vendor === "ascend" || (m.hub === "huggingface" && m.quantization !== "w4a8")),
  );
}

const ORDER_FITS: Record<Verdict, number> = { fits: 0, tight: 1, "does-not-fit": 2 };

/**
 * What would make an unfit or tight stack fit: each alternative is planned, and only those that fit
 * are offered (for a tight stack, only those that fit with margin). Alternatives start from the stack
 * without offload (offload is its own suggestion). The obvious levers come first: a shorter context,
 * a higher memory fraction when memory is free, more tensor parallelism, fewer sequences; then more
 * or bigger devices, a smaller checkpoint, offload.
 */
function alternatives(input: CapacityInput, plan: Evaluation): Alternative[] {
  if (input.expertOffload) return offloadAlternatives(input, input.expertOffload);
  const em = driverOfKind(input.engine).memory;
  const out: Alternative[] = [];
  const i = { ...input, cpuOffloadGiB: 0 };
  const need: Verdict = plan.verdict === "tight" ? "fits" : "tight";
  const ok = (e: Evaluation) => ORDER_FITS[e.verdict] <= ORDER_FITS[need] && e.layoutProblems.length === 0;
  const offer = (kind: Alternative["kind"], e: Evaluation, text: string, settings: Alternative["settings"]) =>
    out.push({ kind, text: e.verdict === "tight" ? `${text} (tight)` : text, settings, verdict: e.verdict });
  const layoutOk = plan.layoutProblems.length === 0;
  const weightsFit = plan.kvCacheBytesPerDevice > 0;

  /** The first candidate that fits with margin, else (when a tight result is acceptable) the first that fits. */
  const first = <T>(candidates: readonly T[], plan: (c: T) => Evaluation): [T, Evaluation] | undefined => {
    let fallback: [T, Evaluation] | undefined;
    for (const c of candidates) {
      const e = plan(c);
      if (e.layoutProblems.length > 0 || e.verdict === "does-not-fit") continue;
      if (e.verdict === "fits") return [c, e];
      if (need === "tight" && !fallback) fallback = [c, e];
    }
    return fallback;
  };

  // A shorter context, leaving the spare a fitting verdict wants (rounded down to 1,024 tokens).
  if (weightsFit && plan.kvCacheTokens > 0 && plan.kvMarginTokens < plan.maxModelLen * TIGHT_KV_SPARE) {
    const lens = [Math.floor(plan.kvCacheTokens / (1 + TIGHT_KV_SPARE) / 1024) * 1024, plan.kvCacheTokens].filter(
      (len) => len >= 1024 && len < plan.maxModelLen,
    );
    const found = first(lens, (len) => evaluate({ ...i, maxModelLen: len }));
    if (found) {
      const [len, e] = found;
      offer("context", e, `a shorter context: ${em.paths.context} ${len} (${int(e.kvCacheTokens)} KV tokens)`, {
        [em.paths.context]: len,
      });
    }
  }
  if (!layoutOk) return out;
  const percent = Math.round(plan.memoryFraction * 100);
  const fractionText = (f: number, e: Evaluation, how: string) =>
    `${how} memory fraction: ${em.paths.fraction} ${f} (${em.fractionFlag}; ${int(e.kvCacheTokens)} KV tokens, ${gib(e.freeBytesPerDevice)} left free per device)`;
  // A higher memory fraction, when memory the engine does not claim is left.
  if (plan.freeBytesPerDevice > 0) {
    const up = Array.from(
      { length: Math.max(0, MAX_SUGGESTED_FRACTION * 100 - percent) },
      (_, k) => (percent + k + 1) / 100,
    );
    const found = first(up, (f) => evaluate({ ...i, memoryFraction: f }));
    if (found)
      offer("fraction", found[1], fractionText(found[0], found[1], "a higher"), { [em.paths.fraction]: found[0] });
  }
  // A lower one, when what the engine allocates outside its fraction does not fit beside it.
  if (plan.freeBytesPerDevice < TIGHT_FREE_BYTES && plan.outsideFractionBytesPerDevice > 0) {
    const down = Array.from(
      { length: Math.max(0, percent - MIN_SUGGESTED_FRACTION * 100) },
      (_, k) => (percent - k - 1) / 100,
    );
    const found = first(down, (f) => evaluate({ ...i, memoryFraction: f }));
    if (found)
      offer("fraction", found[1], fractionText(found[0], found[1], "a lower"), { [em.paths.fraction]: found[0] });
  }
  // More tensor parallelism inside the node: fewer weights per device.
  const tps: number[] = [];
  for (let tp = i.tensor * 2; tp * i.pipeline * (i.data / i.nodes) <= i.accelerator.devicesPerNode; tp *= 2)
    tps.push(tp);
  const moreTp = first(tps, (tp) => evaluate({ ...i, tensor: tp }));
  if (moreTp) {
    const [tp, e] = moreTp;
    offer(
      "tensor",
      e,
      `more tensor parallelism: engine.tensorParallelSize ${tp} (${gib(e.weightBytesPerDevice)} of weights per device, ${int(e.kvCacheTokens)} KV tokens)`,
      { "engine.tensorParallelSize": tp },
    );
  }
  // Fewer concurrent sequences: a smaller sampler (vLLM) or request table and batch (SGLang).
  const fewer = first(
    [256, 128, 64, 32, 16, 8, 4, 2].filter((n) => n < plan.maxNumSeqs),
    (n) => evaluate({ ...i, maxNumSeqs: n }),
  );
  if (fewer) {
    const [n, e] = fewer;
    offer(
      "sequences",
      e,
      `fewer sequences: ${em.paths.sequences} ${n} (${gib(e.freeBytesPerDevice)} left free per device)`,
      {
        [em.paths.sequences]: n,
      },
    );
  }
  if (i.groupsAllowed ?? false) {
    for (let nodes = i.nodes + 1; nodes <= 4; nodes++) {
      const data = (i.data / i.nodes) * nodes;
      const e = evaluate({ ...i, nodes, data, expertParallel: true });
      if (ok(e)) {
        offer(
          "nodes",
          e,
          `more devices: ${nodes} nodes of ${i.accelerator.devicesPerNode} x ${i.accelerator.id} as DP${data} x TP${i.tensor} with expert parallelism (${gib(e.weightBytesPerDevice)} of weights per device, ${int(e.kvCacheTokens)} KV tokens)`,
          {
            "nodePool.nodes": nodes,
            "engine.dataParallelSize": data,
            "engine.enableExpertParallel": true,
            // How the group's ranks meet, or its expert-parallel span: the engine's (engines/<kind>/memory.ts).
            ...driverOfKind(i.engine).memory.groupSettings(data, i.tensor),
            "weightCache.accessMode": "ReadWriteMany",
            // Every node mounts the one download: a shared file system's class (name yours).
            ...(i.accelerator.vendor === "nvidia"
              ? { "weightCache.storageClass.name": "efs-sc", "weightCache.storageClass.type": "efs" }
              : { "weightCache.storageClass.name": "cephfs", "weightCache.storageClass.type": "cephfs" }),
            "leaderWorkerSet.install": true,
            // Every replica becomes a group of `nodes` nodes: the pool must admit them all.
            ...(i.poolMaxNodes !== undefined && nodes * (i.maxGroups ?? 1) > i.poolMaxNodes
              ? { "nodePool.karpenter.maxNodes": nodes * (i.maxGroups ?? 1) }
              : {}),
          },
        );
        break;
      }
    }
  }
  for (const other of Object.values(ACCELERATORS) as AcceleratorEntry[]) {
    if (other.vendor !== i.accelerator.vendor || other.memoryBytes <= i.accelerator.memoryBytes) continue;
    if (other.devicesPerNode % (i.tensor * i.pipeline * (i.data / i.nodes)) !== 0) continue;
    // The engine may pick another KV dtype on the other device (SGLang: FP8 for DSA models on Blackwell).
    const e = evaluate({ ...i, accelerator: other, ...(i.kvDtypeOn ? i.kvDtypeOn(other) : {}) });
    if (ok(e)) {
      offer(
        "accelerator",
        e,
        `bigger devices: ${i.nodes} node(s) of ${other.devicesPerNode} x ${other.id} (${int(e.kvCacheTokens)} KV tokens)`,
        {
          "nodePool.accelerator": other.id,
        },
      );
      break;
    }
  }
  const smaller = SMALLER[i.model.quantization]?.[i.accelerator.vendor];
  const smallerModel = smaller ? sibling(i.model, smaller, i.accelerator.vendor) : undefined;
  if (smaller && smallerModel) {
    const e = evaluate({ ...i, model: smallerModel });
    if (ok(e)) {
      // vLLM-Ascend loads an msmodelslim W4A8 checkpoint only with `--quantization ascend`.
      offer(
        "checkpoint",
        e,
        `a smaller checkpoint: ${smaller} (model.id ${smallerModel.id}; ${gib(e.weightBytesPerDevice)} of weights per device)`,
        {
          "model.id": smallerModel.id,
          ...(smaller === "w4a8" ? { "engine.quantization": "ascend" } : {}),
        },
      );
    }
  }
  if (!weightsFit && driverOfKind(i.engine).memory.cpuOffload) {
    // Offload until the weights leave room for the overhead and one max-model-len sequence (plus spare).
    const needed =
      plan.weightBytesPerDevice +
      plan.offloadedBytesPerDevice +
      (plan.overheadBytesPerDevice - plan.outsideFractionBytesPerDevice) +
      plan.maxModelLen * (1 + TIGHT_KV_SPARE) * plan.kvBytesPerTokenPerDevice -
      plan.usableBytesPerDevice;
    const offload = Math.ceil(needed / GiB);
    const off = evaluate({ ...i, cpuOffloadGiB: offload, hostMemoryBytes: undefined });
    if (ok(off)) {
      const podMemory = Math.ceil(off.hostMemoryBytesPerNode / GiB);
      offer(
        "offload",
        off,
        `CPU offload: engine.cpuOffloadGb ${offload} with pod.memory ${podMemory}Gi or more (--cpu-offload-gb ${offload}: ${offload} GiB of weights per GPU in host memory; every decode step then streams them over PCIe)`,
        { "engine.cpuOffloadGb": offload, "pod.memory": `${podMemory}Gi` },
      );
    }
  }
  return out;
}

export function planCapacity(i: CapacityInput): CapacityPlan {
  const evaluation = evaluate(i);
  const { layoutProblems: _, ...plan } = evaluation;
  const alts = plan.verdict === "fits" ? [] : alternatives(i, evaluation);
  return { ...plan, suggestions: alts.map((a) => a.text), alternatives: alts };
}
