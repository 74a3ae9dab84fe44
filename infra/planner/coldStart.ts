import { STORAGE_SPEEDS, type StorageSpeed } from "../catalog/storageSpeeds";
import type { ServingSpec } from "../config/spec";
import { engineDriver } from "../engines";
import { weightCacheSchema } from "../config/schema/weightCache";
import { timeBudgets } from "./budgets";

/**
 * Time to a ready API, phase by phase, for the stack's storage: what `npm run plan` prints. Every
 * number comes from the checkpoint's size and a bandwidth the stack states or a default assumes, and
 * each says where it comes from (infra/catalog/storageSpeeds.ts: published, or an estimate). The phases
 * run one after the other:
 *
 * - download: the hub to the cache, at weightCache.downloadBandwidthMBps (first start only);
 * - verify: one read of every byte to hash it (first start only: a complete, unchanged revision is
 *   checked by a stat per file, scripts/weight_cache.py and wait_for_cache.py);
 * - mirror: with engine.streamFrom, copying the verified snapshot to the bucket (first start only);
 * - load: every pod reading the checkpoint into device memory: from the cache at its read bandwidth,
 *   shared by the pods reading one volume at once (budgets.ts), or streamed from the bucket;
 * - compile: torch.compile, kernel JIT and autotuning, CUDA-graph capture: pod.warmupMinutes, a budget
 *   and not a measurement.
 *
 * Beside the stack's own timeline, the same checkpoint on each storage option (a network volume, the
 * node's NVMe, a bucket streamed by vLLM), so the choice is made on numbers.
 */
export interface ColdStartPhase {
  readonly phase: "download" | "verify" | "mirror" | "load" | "compile";
  readonly seconds: number;
  /** True for phases a restart on a complete cache skips. */
  readonly firstStartOnly: boolean;
  readonly detail: string;
}

export type StorageOption = "network-volume" | "node-local-nvme" | "bucket-stream";

export interface StorageOptionTime {
  readonly option: StorageOption;
  readonly mbps: number;
  readonly source: string;
  readonly firstStartSeconds: number;
  readonly restartSeconds: number;
  /** The option this stack uses. */
  readonly current: boolean;
  /** Why the option is not open to this stack (bucket streaming is vLLM's), when it is not. */
  readonly unavailable?: string;
}

export interface ColdStart {
  readonly storage: StorageOption;
  readonly phases: readonly ColdStartPhase[];
  readonly firstStartSeconds: number;
  readonly restartSeconds: number;
  readonly downloadMBps: number;
  readonly readMBps: number;
  readonly downloadSource: string;
  readonly readSource: string;
  readonly options: readonly StorageOptionTime[];
}

const DEFAULTS = weightCacheSchema.parse({});
const gb = (n: number) => `${(n / 1e9).toFixed(1)} GB`;
const secondsAt = (bytes: number, mbps: number) => Math.ceil(bytes / (mbps * 1e6));
const sum = (ps: readonly ColdStartPhase[]) => ps.reduce((s, p) => s + p.seconds, 0);
const describe = (s: StorageSpeed) => (s.kind === "estimate" ? s.source : `${s.source}, published`);

/** The engine streams from a bucket when it has engine.streamFrom (vLLM's Run:ai model streamer). */
function streams(spec: ServingSpec): boolean {
  return Object.values(engineDriver(spec.engine).typedFlags).includes("engine.streamFrom");
}

function storageOf(spec: ServingSpec): StorageOption {
  if ("streamFrom" in spec.engine && spec.engine.streamFrom) return "bucket-stream";
  return spec.weightCache.mode === "node-local" ? "node-local-nvme" : "network-volume";
}

/** The phases of one storage option; `readMBps` is the cache's read speed, `loadMBps` the load's. */
function phasesOf(spec: ServingSpec, option: StorageOption, cacheMBps: number, loadMBps: number): ColdStartPhase[] {
  const bytes = spec.model.entry.checkpointBytes;
  const c = spec.weightCache;
  // Pods that read one network volume at once share its bandwidth; node disks and a bucket do not.
  const readers = option === "network-volume" ? spec.nodePool.nodes * spec.pod.replicas : 1;
  const phases: ColdStartPhase[] = [
    {
      phase: "download",
      seconds: secondsAt(bytes, c.downloadBandwidthMBps),
      firstStartOnly: true,
      detail: `${gb(bytes)} at ${c.downloadBandwidthMBps} MB/s`,
    },
    {
      phase: "verify",
      seconds: secondsAt(bytes, cacheMBps),
      firstStartOnly: true,
      detail: `hash every byte once at ${cacheMBps} MB/s; a restart only stats the files`,
    },
  ];
  if (option === "bucket-stream") {
    phases.push({
      phase: "mirror",
      seconds: secondsAt(bytes, loadMBps),
      firstStartOnly: true,
      detail: `the download step copies the verified snapshot to the bucket at ${loadMBps} MB/s (mirror_to_bucket.py)`,
    });
  }
  phases.push(
    {
      phase: "load",
      seconds: secondsAt(bytes, loadMBps) * readers,
      firstStartOnly: false,
      detail:
        option === "bucket-stream"
          ? `${gb(bytes)} streamed from the bucket at ${loadMBps} MB/s (Run:ai model streamer)`
          : option === "node-local-nvme"
            ? `${gb(bytes)} from the node's NVMe at ${loadMBps} MB/s`
            : `${gb(bytes)} x ${readers} pod(s) on one volume at ${loadMBps} MB/s`,
    },
    {
      phase: "compile",
      seconds: spec.pod.warmupMinutes * 60,
      firstStartOnly: false,
      detail: "torch.compile, kernel JIT, autotuning, graph capture: pod.warmupMinutes, a budget",
    },
  );
  return phases;
}

export function coldStart(spec: ServingSpec): ColdStart {
  const c = spec.weightCache;
  const b = timeBudgets(spec);
  const storage = storageOf(spec);
  const readMBps = c.readBandwidthMBps;
  const loadMBps = storage === "bucket-stream" ? STORAGE_SPEEDS.bucketStream.mbps : readMBps;
  const phases = phasesOf(spec, storage, readMBps, loadMBps);
  // The stack's own load is the budgets' (the startup probe waits exactly that long).
  if (storage !== "bucket-stream") {
    const load = phases.find((p) => p.phase === "load")!;
    if (load.seconds !== b.readWeightsSeconds) throw new Error("coldStart and timeBudgets disagree on the load");
  }
  const downloadSource =
    c.downloadBandwidthMBps === DEFAULTS.downloadBandwidthMBps
      ? "weightCache.downloadBandwidthMBps default, an assumed sustained hub download rate, not a measurement"
      : "weightCache.downloadBandwidthMBps, set by the stack";
  const defaultSpeed = c.mode === "node-local" ? STORAGE_SPEEDS.nodeLocalNvme : STORAGE_SPEEDS.networkVolume;
  const readSource = c.readBandwidthStated
    ? "weightCache.readBandwidthMBps, set by the stack"
    : `weightCache.readBandwidthMBps default for a ${c.mode === "node-local" ? "node-local cache" : "volume"}: ${describe(defaultSpeed)}`;
  const option = (o: StorageOption, speed: StorageSpeed): StorageOptionTime => {
    const current = o === storage;
    const mbps = current && o !== "bucket-stream" ? readMBps : speed.mbps;
    const cache = o === "bucket-stream" ? readMBps : mbps;
    const ps = current ? phases : phasesOf(spec, o, cache, mbps);
    return {
      option: o,
      mbps,
      source: current && c.readBandwidthStated && o !== "bucket-stream" ? "set by the stack" : describe(speed),
      firstStartSeconds: sum(ps),
      restartSeconds: sum(ps.filter((p) => !p.firstStartOnly)),
      current,
      ...(o === "bucket-stream" && !streams(spec)
        ? { unavailable: `${spec.engine.kind} has no engine.streamFrom (vLLM's --load-format runai_streamer)` }
        : {}),
    };
  };
  return {
    storage,
    phases,
    firstStartSeconds: sum(phases),
    restartSeconds: sum(phases.filter((p) => !p.firstStartOnly)),
    downloadMBps: c.downloadBandwidthMBps,
    readMBps: loadMBps,
    downloadSource,
    readSource:
      storage === "bucket-stream"
        ? `the bucket: ${describe(STORAGE_SPEEDS.bucketStream)}; the cache (verify) ${readMBps} MB/s, ${readSource}`
        : readSource,
    options: [
      option("network-volume", STORAGE_SPEEDS.networkVolume),
      option("node-local-nvme", STORAGE_SPEEDS.nodeLocalNvme),
      option("bucket-stream", STORAGE_SPEEDS.bucketStream),
    ],
  };
}

function hms(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min ${String(s % 60).padStart(2, "0")} s`;
}

const OPTION_NAMES: Record<StorageOption, string> = {
  "network-volume": "network volume",
  "node-local-nvme": "node-local NVMe",
  "bucket-stream": "bucket stream",
};

/** The timeline as `npm run plan` prints it: one bar per phase, start to end, to scale. */
export function formatColdStart(t: ColdStart, width = 40): string {
  const lines = [
    `  cold start (an empty cache to a ready API on ${OPTION_NAMES[t.storage]}; a restart skips download and verify)`,
  ];
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
    "  per storage option (the same download and compile budget)",
  );
  for (const o of t.options) {
    const times = o.unavailable
      ? o.unavailable
      : `first start ${String(o.firstStartSeconds).padStart(6)} s, restart ${String(o.restartSeconds).padStart(6)} s`;
    lines.push(
      `  ${o.current ? "*" : " "} ${OPTION_NAMES[o.option].padEnd(16)} ${String(o.mbps).padStart(5)} MB/s  ${times}  (${o.source})`,
    );
  }
  return lines.join("\n");
}
