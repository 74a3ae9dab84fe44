// npm run bench:report -- <result.json> [--baseline <name>]: a `vllm bench serve --save-result` file
// beside a published reference run. Exit status 1 when requests failed or the file is unreadable.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { BenchReportError, formatReport, parseBenchResult, reference } from "../infra/bench/report";

const USAGE = "usage: npm run bench:report -- <result.json> [--baseline <name>]   (default baseline: b200-sglang)";

function main(): number {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { baseline: { type: "string" } } });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  try {
    const ref = reference(values.baseline ?? "b200-sglang");
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new BenchReportError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const result = parseBenchResult(text, file);
    console.log(formatReport(result, ref, file));
    return result.failed > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof BenchReportError) {
      console.error(`bench:report: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

process.exit(main());
