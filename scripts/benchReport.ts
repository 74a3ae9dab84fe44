// npm run bench:report -- <result.json> [--baseline <name>]: a `vllm bench serve --save-result` file
// beside a published reference run. Exit status 1 when requests failed or the file is not a result.
import { BenchReportError, formatReport, parseBenchResult, reference } from "../infra/bench/report";
import { InputError, readRegularFile, runScript, type Command } from "./cli";

/** A result file is a few KiB; a hundred megabytes is not one. */
const MAX_RESULT_BYTES = 100 * 1024 * 1024;

export const command: Command = {
  name: "bench:report",
  usage: "<result.json> [--baseline NAME]",
  summary:
    "Compares a `vllm bench serve --save-result` file with a published reference run (default baseline: b200-sglang). Exit 1 when requests failed or the file is not a result.",
  options: { baseline: { type: "string", help: "the reference run to compare with (default b200-sglang)" } },
  positionals: ["result.json"],
  async run({ values, positionals }, io) {
    const file = positionals[0]!;
    try {
      const ref = reference(typeof values.baseline === "string" ? values.baseline : "b200-sglang");
      const result = parseBenchResult(readRegularFile(file, MAX_RESULT_BYTES), file);
      io.out(formatReport(result, ref, file));
      return result.failed > 0 ? 1 : 0;
    } catch (e) {
      if (e instanceof BenchReportError) throw new InputError(`bench:report: ${e.message}`);
      throw e;
    }
  },
};

runScript(command);
