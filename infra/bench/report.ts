import { z } from "zod";
import { BENCH_METRICS, type BenchMetric, type BenchmarkReference } from "../catalog/benchmarks";
import { BENCHMARK_REFERENCES } from "./references";

/**
 * Reads the JSON `vllm bench serve --save-result` writes and sets it beside a published reference
 * run, metric by metric, with the ratio and whether it is better or worse.
 */
export class BenchReportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchReportError";
  }
}

const metric = z.number().finite().nonnegative();
/** The keys this report reads; the file has many more, which are ignored. */
export const benchResultSchema = z.object({
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative().default(0),
  num_prompts: z.number().int().positive().optional(),
  max_concurrency: z.number().int().positive().nullable().optional(),
  total_input_tokens: z.number().int().nonnegative().optional(),
  total_output_tokens: z.number().int().nonnegative().optional(),
  duration: metric.optional(),
  model_id: z.string().optional(),
  ...Object.fromEntries(Object.keys(BENCH_METRICS).map((k) => [k, metric])),
} as Record<string, z.ZodType>);

export type BenchResult = {
  completed: number;
  failed: number;
  num_prompts?: number;
  max_concurrency?: number | null;
  total_input_tokens?: number;
  total_output_tokens?: number;
  model_id?: string;
} & Record<BenchMetric, number>;

export function parseBenchResult(text: string, source: string): BenchResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const truncated = text.trim() === "" || !/[}\]]\s*$/.test(text);
    throw new BenchReportError(
      `${source} is not valid JSON${truncated ? " (it looks truncated: the run may have been cut off)" : ""}: ${(e as Error).message}`,
    );
  }
  const parsed = benchResultSchema.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const what =
        i.code === "invalid_type"
          ? i.input === undefined
            ? `missing (${i.expected})`
            : `expected ${i.expected}, found ${JSON.stringify(i.input)}`
          : i.message;
      return `  - ${i.path.join(".") || "(file)"}: ${what}`;
    });
    throw new BenchReportError(`${source} is not a \`vllm bench serve --save-result\` result:\n${problems.join("\n")}`);
  }
  return parsed.data as BenchResult;
}

export function reference(name: string): BenchmarkReference {
  const ref = BENCHMARK_REFERENCES[name];
  if (!ref) {
    throw new BenchReportError(
      `unknown baseline "${name}"; known baselines: ${Object.keys(BENCHMARK_REFERENCES).join(", ")}`,
    );
  }
  return ref;
}

export interface MetricComparison {
  readonly metric: BenchMetric;
  readonly label: string;
  readonly result: number;
  readonly reference: number;
  /** result / reference. */
  readonly ratio: number;
  readonly verdict: "better" | "worse" | "same";
}

/** Every metric the baseline published, as result / baseline with its direction. */
export function compare(result: BenchResult, ref: BenchmarkReference): MetricComparison[] {
  return (Object.keys(BENCH_METRICS) as BenchMetric[])
    .filter((m) => ref.metrics[m] !== undefined)
    .map((m) => {
      const reference = ref.metrics[m]!;
      const ratio = result[m] / reference;
      const better = BENCH_METRICS[m].higherIsBetter ? ratio > 1.005 : ratio < 0.995;
      const worse = BENCH_METRICS[m].higherIsBetter ? ratio < 0.995 : ratio > 1.005;
      return {
        metric: m,
        label: BENCH_METRICS[m].label,
        result: result[m],
        reference,
        ratio,
        verdict: better ? "better" : worse ? "worse" : "same",
      };
    });
}

/** Tolerance on average prompt and output lengths: random lengths and chat templates move them a little. */
const LENGTH_TOLERANCE = 0.1;

/**
 * Where the run's workload differs from the baseline's: prompt and output lengths (the run's averages
 * against the baseline's), concurrency or request rate, and prompt count. Empty when they match.
 */
export function workloadMismatches(result: BenchResult, ref: BenchmarkReference): string[] {
  const w = ref.workload;
  const out: string[] = [];
  if (result.completed > 0 && result.total_input_tokens !== undefined) {
    const perRequest = Math.round(result.total_input_tokens / result.completed);
    if (Math.abs(perRequest - w.inputLen) / w.inputLen > LENGTH_TOLERANCE) {
      out.push(`prompts averaged ${perRequest} tokens, the baseline's ${w.inputLen}`);
    }
  }
  if (result.completed > 0 && result.total_output_tokens !== undefined) {
    const perRequest = Math.round(result.total_output_tokens / result.completed);
    if (Math.abs(perRequest - w.outputLen) / w.outputLen > LENGTH_TOLERANCE) {
      out.push(`outputs averaged ${perRequest} tokens, the baseline's ${w.outputLen}`);
    }
  }
  const concurrency = result.max_concurrency ?? null;
  if (concurrency !== w.maxConcurrency) {
    out.push(
      `the run's concurrency was ${concurrency ?? "unbounded"}, the baseline's ${w.maxConcurrency ?? `unbounded at ${w.requestRate} requests/s`}`,
    );
  }
  if (w.numPrompts !== undefined && result.num_prompts !== undefined && result.num_prompts !== w.numPrompts) {
    out.push(`the run sent ${result.num_prompts} prompts, the baseline ${w.numPrompts}`);
  }
  return out;
}

/** Kept for callers of the single-baseline report: the mismatches, as notes. */
export const workloadWarnings = workloadMismatches;

/** A run that measured nothing cannot be compared. */
export function assertMeasured(result: BenchResult, source: string): void {
  if (result.completed === 0) {
    throw new BenchReportError(
      `${source} completed no requests (${result.failed} failed): its metrics measure nothing; check the engine's logs and run again`,
    );
  }
}

/**
 * The baselines a run is compared with: those of the same workload on the given hardware (all
 * hardware when none is given, provided the matches share one). A named baseline must match.
 */
export function baselinesFor(
  result: BenchResult,
  opts: { hardware?: string; baseline?: string },
): BenchmarkReference[] {
  if (opts.baseline !== undefined) {
    const ref = reference(opts.baseline);
    const mismatches = workloadMismatches(result, ref);
    if (mismatches.length > 0) {
      throw new BenchReportError(
        `the run's workload is not baseline "${ref.name}"'s, so their numbers do not compare:\n${mismatches.map((m) => `  - ${m}`).join("\n")}`,
      );
    }
    return [ref];
  }
  const same = Object.values(BENCHMARK_REFERENCES).filter((r) => workloadMismatches(result, r).length === 0);
  const onHardware = opts.hardware === undefined ? same : same.filter((r) => r.hardware.accelerator === opts.hardware);
  if (onHardware.length === 0) {
    throw new BenchReportError(
      `no published baseline ran this workload${opts.hardware ? ` on ${opts.hardware}` : ""} (${describeRun(result)}); baselines: ${Object.values(
        BENCHMARK_REFERENCES,
      )
        .map(
          (r) =>
            `${r.name} (${r.hardware.devices}x ${r.hardware.accelerator}, ${r.workload.inputLen}/${r.workload.outputLen}, concurrency ${r.workload.maxConcurrency ?? "unbounded"})`,
        )
        .join(", ")}`,
    );
  }
  const hardware = [...new Set(onHardware.map((r) => r.hardware.accelerator))];
  if (hardware.length > 1) {
    throw new BenchReportError(
      `baselines of this workload ran on ${hardware.join(" and ")}: say which hardware the run used with --hardware (${hardware.join(", ")})`,
    );
  }
  return onHardware;
}

function describeRun(result: BenchResult): string {
  const avg = (t: number | undefined) => (t === undefined ? "?" : String(Math.round(t / result.completed)));
  return `${avg(result.total_input_tokens)} in / ${avg(result.total_output_tokens)} out, concurrency ${result.max_concurrency ?? "unbounded"}`;
}

const num = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 1 });

export function formatReport(result: BenchResult, ref: BenchmarkReference, source: string): string {
  const rows = compare(result, ref);
  const lines = [
    `Benchmark ${source} against ${ref.description}`,
    `  source: ${ref.source}`,
    `  ${"metric".padEnd(26)}${"result".padStart(12)}${"reference".padStart(12)}${"ratio".padStart(9)}`,
    ...rows.map(
      (r) =>
        `  ${r.label.padEnd(26)}${num(r.result).padStart(12)}${num(r.reference).padStart(12)}${`${r.ratio.toFixed(2)}x`.padStart(9)}  ${r.verdict}`,
    ),
    `  requests: ${result.completed} completed, ${result.failed} failed`,
  ];
  if (result.failed > 0) {
    const total = result.completed + result.failed;
    lines.push(
      `  FAILED REQUESTS: ${result.failed} of ${total} (${((100 * result.failed) / total).toFixed(1)}%): the metrics cover only the completed ones`,
    );
  }
  for (const n of ref.notes) lines.push(`  note: ${n}`);
  return lines.join("\n");
}

/** One report per matching baseline. */
export function formatReports(result: BenchResult, refs: readonly BenchmarkReference[], source: string): string {
  return refs.map((r) => formatReport(result, r, source)).join("\n\n");
}
