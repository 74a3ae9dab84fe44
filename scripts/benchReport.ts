// npm run bench:report -- <result.json | sweep dir> [--hardware ID] [--baseline NAME] [--svg FILE]:
// a `vllm bench serve --save-result` file (or a directory of them, one per concurrency of a sweep)
// beside every published baseline of the same workload and hardware, as ratios; with --svg, the
// sweep's throughput-versus-latency curve next to those baselines. Exit status 1 when requests failed,
// a run completed none, the workload matches no baseline, or a file is not a result.
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baselinePoints, curveSvg, sweepPoints } from "../infra/bench/curve";
import {
  assertMeasured,
  BenchReportError,
  baselinesFor,
  formatReports,
  parseBenchResult,
  type BenchResult,
} from "../infra/bench/report";
import { ACCELERATORS } from "../infra/catalog/accelerators";
import { BENCHMARK_REFERENCES } from "../infra/bench/references";
import { InputError, readRegularFile, runScript, UsageError, type Command } from "./cli";

/** A result file is a few KiB; a hundred megabytes is not one. */
const MAX_RESULT_BYTES = 100 * 1024 * 1024;

function readResults(path: string): Array<{ file: string; result: BenchResult }> {
  const files =
    existsSync(path) && statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.endsWith(".json"))
          .sort()
          .map((f) => join(path, f))
      : [path];
  if (files.length === 0) throw new UsageError(`${path} holds no .json result files`);
  return files.map((file) => ({ file, result: parseBenchResult(readRegularFile(file, MAX_RESULT_BYTES), file) }));
}

export const command: Command = {
  name: "bench:report",
  usage: "<result.json | sweep-dir> [--hardware ID] [--baseline NAME] [--svg FILE]",
  summary:
    "Compares `vllm bench serve --save-result` results with every published baseline of the same workload and hardware, as ratios; --svg draws a sweep's throughput-latency curve beside them. Exit 1 when requests failed, a run completed none, no baseline matches, or a file is not a result.",
  options: {
    hardware: { type: "string", help: "the accelerator the run used (e.g. b200-180gb): only its baselines" },
    baseline: { type: "string", help: "compare with this baseline only (its workload must match)" },
    svg: { type: "string", help: "write the throughput-versus-latency curve of the run(s) to this SVG file" },
  },
  positionals: ["result.json"],
  async run({ values, positionals }, io) {
    const path = positionals[0]!;
    const hardware = typeof values.hardware === "string" ? values.hardware : undefined;
    const baseline = typeof values.baseline === "string" ? values.baseline : undefined;
    if (hardware !== undefined && !(hardware in ACCELERATORS)) {
      throw new UsageError(
        `--hardware ${hardware}: not an accelerator of the catalog (${Object.keys(ACCELERATORS).join(", ")})`,
      );
    }
    try {
      const runs = readResults(path);
      for (const r of runs) assertMeasured(r.result, r.file);
      const reports: string[] = [];
      const used = new Map<string, (typeof BENCHMARK_REFERENCES)[string]>();
      for (const { file, result } of runs) {
        try {
          const refs = baselinesFor(result, { ...(hardware ? { hardware } : {}), ...(baseline ? { baseline } : {}) });
          for (const ref of refs) used.set(ref.name, ref);
          reports.push(formatReports(result, refs, file));
        } catch (e) {
          // A sweep's other points may have no published counterpart; a single run must have one.
          if (!(e instanceof BenchReportError) || runs.length === 1) throw e;
          reports.push(
            `Benchmark ${file}: no published baseline at this point (concurrency ${result.max_concurrency ?? "unbounded"})`,
          );
        }
      }
      if (used.size === 0) throw new BenchReportError(`no point of ${path} matches a published baseline`);
      io.out(reports.join("\n\n"));
      if (typeof values.svg === "string") {
        const refs = [...used.values()];
        const accelerator = hardware ?? refs[0]!.hardware.accelerator;
        const devices =
          refs[0]?.hardware.devices ?? ACCELERATORS[accelerator as keyof typeof ACCELERATORS].devicesPerNode;
        // Next to the curve: every baseline of the same hardware and lengths, at any concurrency.
        const first = refs[0]!;
        const beside = Object.values(BENCHMARK_REFERENCES).filter(
          (r) =>
            r.hardware.accelerator === accelerator &&
            r.workload.inputLen === first.workload.inputLen &&
            r.workload.outputLen === first.workload.outputLen,
        );
        const title = `${first.model} on ${devices}x ${accelerator}, ${first.workload.inputLen} in / ${first.workload.outputLen} out`;
        writeFileSync(
          values.svg,
          curveSvg(
            title,
            sweepPoints(
              runs.map((r) => r.result),
              devices,
            ),
            baselinePoints(beside),
          ),
        );
        io.out(`\nWrote the throughput-versus-latency curve to ${values.svg}`);
      }
      return runs.some((r) => r.result.failed > 0) ? 1 : 0;
    } catch (e) {
      if (e instanceof BenchReportError) throw new InputError(`bench:report: ${e.message}`);
      throw e;
    }
  },
};

runScript(command);
