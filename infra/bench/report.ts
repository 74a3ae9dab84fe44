import { z } from "zod";
import { BENCH_METRICS, BENCHMARK_REFERENCES, type BenchMetric, type BenchmarkReference } from "../catalog/benchmarks";

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

export function compare(result: BenchResult, ref: BenchmarkReference): MetricComparison[] {
  return (Object.keys(BENCH_METRICS) as BenchMetric[]).map((m) => {
    const ratio = result[m] / ref.metrics[m];
    const better = BENCH_METRICS[m].higherIsBetter ? ratio > 1.005 : ratio < 0.995;
    const worse = BENCH_METRICS[m].higherIsBetter ? ratio < 0.995 : ratio > 1.005;
    return {
      metric: m,
      label: BENCH_METRICS[m].label,
      result: result[m],
      reference: ref.metrics[m],
      ratio,
      verdict: better ? "better" : worse ? "worse" : "same",
    };
  });
}

/** Differences between the run's workload and the reference's, which make the comparison loose. */
export function workloadWarnings(result: BenchResult, ref: BenchmarkReference): string[] {
  const w = ref.workload;
  const out: string[] = [];
  if (result.num_prompts !== undefined && result.num_prompts !== w.numPrompts) {
    out.push(`the run sent ${result.num_prompts} prompts, the reference ${w.numPrompts}`);
  }
  if (
    result.max_concurrency !== undefined &&
    result.max_concurrency !== null &&
    result.max_concurrency !== w.maxConcurrency
  ) {
    out.push(`the run's concurrency was ${result.max_concurrency}, the reference's ${w.maxConcurrency}`);
  }
  if (result.total_input_tokens !== undefined && result.completed > 0) {
    const perRequest = Math.round(result.total_input_tokens / result.completed);
    if (Math.abs(perRequest - w.inputLen) / w.inputLen > 0.05) {
      out.push(`prompts averaged ${perRequest} tokens, the reference's ${w.inputLen}`);
    }
  }
  return out;
}

const num = (n: number) =>
  Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 1 });

export function formatReport(result: BenchResult, ref: BenchmarkReference, source: string): string {
  const rows = compare(result, ref);
  const lines = [
    `Benchmark ${source} against ${ref.description}`,
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
  for (const w of workloadWarnings(result, ref)) lines.push(`  note: ${w}`);
  return lines.join("\n");
}
