import { gib, type CapacityPlan } from "./capacity";
import { driverOfKind } from "../engines";

/**
 * The plan as people read it: the layout, a per-device memory bar (weights | overhead | KV | free),
 * the KV capacity and the verdict, with every problem and what would fit instead.
 */
const BAR_WIDTH = 60;
const int = (n: number) => Math.floor(n).toLocaleString("en-US");

export function memoryBar(p: CapacityPlan): string {
  const parts: Array<[string, number]> = [
    ["W", p.weightBytesPerDevice],
    ["o", p.overheadBytesPerDevice],
    ["K", p.kvCacheBytesPerDevice],
  ];
  let used = 0;
  let bar = "";
  for (const [ch, bytes] of parts) {
    const cells = Math.min(BAR_WIDTH - used, Math.round((bytes / p.deviceMemoryBytes) * BAR_WIDTH));
    bar += ch.repeat(Math.max(0, cells));
    used += Math.max(0, cells);
  }
  return `[${bar}${".".repeat(Math.max(0, BAR_WIDTH - used))}]`;
}

const VERDICT = { fits: "FITS", tight: "TIGHT", "does-not-fit": "DOES NOT FIT" } as const;

/** The two margins a verdict rests on: free device memory, and KV cache beyond one full sequence. */
function margin(p: CapacityPlan): string {
  // An engine that allocates the whole context at start (llama.cpp's --ctx-size): its KV cache is the
  // context, never a share's remainder, so the KV margin does not apply (free memory is its one margin).
  if (p.kvSizedByContext) {
    return `margin ${gib(p.freeBytesPerDevice)} free per device; KV cache exactly --ctx-size ${int(p.kvCacheTokens)} (the engine allocates the whole context at start)`;
  }
  const spare = Math.round((p.kvMarginTokens / p.maxModelLen) * 100);
  return `margin ${gib(p.freeBytesPerDevice)} free per device, ${int(Math.max(0, p.kvMarginTokens))} KV tokens (${spare}%) beyond one max-model-len sequence`;
}

export function formatPlan(p: CapacityPlan): string {
  const l = p.layout;
  const lines = [
    `Capacity plan for stack "${p.stack}": ${p.model} (${p.quantization}) with ${p.engine}`,
    `  layout     ${p.nodes} node(s) x ${p.devicesPerNode} ${p.accelerator}, TP${l.tensor}${l.pipeline > 1 ? ` x PP${l.pipeline}` : ""}${l.data > 1 ? ` x DP${l.data}` : ""}${l.expertParallelSize > 1 ? ` (EP${l.expertParallelSize})` : ""}, ${l.devicesPerPod} devices per pod`,
    `  per device ${gib(p.deviceMemoryBytes)}, ${driverOfKind(p.engine).memory.budget === "static-fraction" ? "static share" : "engine's share"} ${gib(p.usableBytesPerDevice)} (fraction ${p.memoryFraction})`,
    `  ${memoryBar(p)}  W weights  o overhead  K KV cache  . free`,
    `    weights  ${gib(p.weightBytesPerDevice).padStart(11)}${p.offloadedBytesPerDevice > 0 ? `   (+ ${gib(p.offloadedBytesPerDevice)} offloaded to host memory)` : ""}`,
    `    overhead ${gib(p.overheadBytesPerDevice).padStart(11)}   (activations at ${int(p.maxNumBatchedTokens)} batched tokens, ${int(p.maxNumSeqs)} sequences; communication buffers; graphs)`,
    ...p.overheads.map(
      (o) => `      ${gib(o.bytes).padStart(11)}  ${o.name}${o.insideFraction ? "" : " (outside the fraction)"}`,
    ),
    `    KV cache ${gib(p.kvCacheBytesPerDevice).padStart(11)}   (${p.kvDtype}${p.kvDtypeReason ? `: ${p.kvDtypeReason}` : ""})`,
    `    free     ${gib(p.freeBytesPerDevice).padStart(11)}`,
    `  KV cache   ${int(p.kvBytesPerTokenPerDevice)} bytes per token per device -> ${int(p.kvCacheTokens)} tokens${p.replicas > 1 ? ` per replica x ${p.replicas} replicas` : ""} = ${p.maxConcurrentSequencesAtMaxLen} sequences of max-model-len ${int(p.maxModelLen)}`,
  ];
  if (p.groups > 1)
    lines.push(`  replicas   ${p.groups} groups of ${p.nodes} node(s) (pod.replicas), ${p.totalNodes} nodes in all`);
  if (p.graphsReason) lines.push(`  graphs     ${p.graphsReason}`);
  if (p.hostMemoryBytesPerNode > 0)
    lines.push(`  host RAM   ${gib(p.hostMemoryBytesPerNode)} per node for offloaded weights`);
  lines.push(`  verdict    ${VERDICT[p.verdict]}${p.verdict === "does-not-fit" ? "" : `, ${margin(p)}`}`);
  for (const reason of p.tightReasons) lines.push(`    - ${reason}`);
  for (const problem of p.problems) lines.push(`    - ${problem}`);
  if (p.suggestions.length) {
    lines.push(p.verdict === "tight" ? "  would fit with more margin with:" : "  would fit with:");
    for (const s of p.suggestions) lines.push(`    - ${s}`);
  }
  return lines.join("\n");
}
