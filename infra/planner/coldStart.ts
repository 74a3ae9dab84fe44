import type { ServingSpec } from "../config/spec";
import { weightCacheSchema } from "../config/schema/weightCache";
import { timeBudgets } from "./budgets";

/**
 * Time to a ready API, phase by phase, for the stack's storage: what `npm run plan` prints. Every
 * number comes from the checkpoint's size and a bandwidth the stack states or the default assumes,
 * and each says where it comes from. The phases run one after the other:
 *
 * - download: the hub to the cache, at weightCache.downloadBandwidthMBps (first start only);
 * - verify: one read of every byte to hash it (first start only: a complete, unchanged revision is
 *   checked by a stat per file, scripts/weight_cache.py and wait_for_cache.py);
 * - load: every pod reading the checkpoint into device memory at the volume's read bandwidth, shared
 *   by the pods reading one volume at once (budgets.ts);
 * - compile: torch.compile, kernel JIT and autotuning, CUDA-graph capture: pod.warmupMinutes, a budget
 *   and not a measurement.
 */
export interface ColdStartPhase {
  readonly phase: "download" | "verify" | "load" | "compile";
  readonly seconds: number;
  /** True for phases a restart on a complete cache skips. */
  readonly firstStartOnly: boolean;
  readonly detail: string;
}

export interface ColdStart {
  readonly phases: readonly ColdStartPhase[];
  readonly firstStartSeconds: number;
  readonly restartSeconds: number;
  readonly downloadMBps: number;
  readonly readMBps: number;
  readonly downloadSource: string;
  readonly readSource: string;
}

const DEFAULTS = weightCacheSchema.parse({});

export function coldStart(spec: ServingSpec): ColdStart {
  const bytes = spec.model.entry.checkpointBytes;
  const c = spec.weightCache;
  const b = timeBudgets(spec);
  const readers = b.readWeightsSeconds / Math.ceil(bytes / (c.readBandwidthMBps * 1e6));
  const downloadSource =
    c.downloadBandwidthMBps === DEFAULTS.downloadBandwidthMBps
      ? "weightCache.downloadBandwidthMBps default, an assumed sustained hub download rate, not a measurement"
      : "weightCache.downloadBandwidthMBps, set by the stack";
  const readSource =
    c.readBandwidthMBps === DEFAULTS.readBandwidthMBps
      ? "weightCache.readBandwidthMBps default: an EBS gp3 volume's 125 MB/s baseline throughput"
      : "weightCache.readBandwidthMBps, set by the stack";
  const gb = (n: number) => `${(n / 1e9).toFixed(1)} GB`;
  const phases: ColdStartPhase[] = [
    {
      phase: "download",
      seconds: Math.ceil(bytes / (c.downloadBandwidthMBps * 1e6)),
      firstStartOnly: true,
      detail: `${gb(bytes)} at ${c.downloadBandwidthMBps} MB/s`,
    },
    {
      phase: "verify",
      seconds: Math.ceil(bytes / (c.readBandwidthMBps * 1e6)),
      firstStartOnly: true,
      detail: `hash every byte once at ${c.readBandwidthMBps} MB/s; a restart only stats the files`,
    },
    {
      phase: "load",
      seconds: b.readWeightsSeconds,
      firstStartOnly: false,
      detail: `${gb(bytes)} x ${readers} pod(s) on one volume at ${c.readBandwidthMBps} MB/s`,
    },
    {
      phase: "compile",
      seconds: spec.pod.warmupMinutes * 60,
      firstStartOnly: false,
      detail: "torch.compile, kernel JIT, autotuning, graph capture: pod.warmupMinutes, a budget",
    },
  ];
  const sum = (ps: readonly ColdStartPhase[]) => ps.reduce((s, p) => s + p.seconds, 0);
  return {
    phases,
    firstStartSeconds: sum(phases),
    restartSeconds: sum(phases.filter((p) => !p.firstStartOnly)),
    downloadMBps: c.downloadBandwidthMBps,
    readMBps: c.readBandwidthMBps,
    downloadSource,
    readSource,
  };
}

function hms(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min ${String(s % 60).padStart(2, "0")} s`;
}

/** The timeline as `npm run plan` prints it: one bar per phase, start to end, to scale. */
export function formatColdStart(t: ColdStart, width = 40): string {
  const lines = ["  cold start (an empty cache to a ready API; a restart skips download and verify)"];
  let at = 0;
  for (const p of t.phases) {
    const from = Math.round((at / t.firstStartSeconds) * width);
    const to = Math.max(from + 1, Math.round(((at + p.seconds) / t.firstStartSeconds) * width));
    const bar = " ".repeat(from) + "#".repeat(to - from) + " ".repeat(Math.max(0, width - to));
    lines.push(`    ${p.phase.padEnd(9)}[${bar}] ${String(p.seconds).padStart(6)} s  ${p.detail}`);
    at += p.seconds;
  }
  lines.push(
    `    ready     first start ${t.firstStartSeconds} s (${hms(t.firstStartSeconds)}); restart ${t.restartSeconds} s (${hms(t.restartSeconds)})`,
    `    assumed   download ${t.downloadMBps} MB/s (${t.downloadSource})`,
    `              read ${t.readMBps} MB/s (${t.readSource})`,
  );
  return lines.join("\n");
}
