import { join } from "node:path";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compare, formatReport, parseBenchResult, reference } from "../infra/bench/report";
import { REPO_ROOT } from "./helpers";

const fixture = (name: string) => join(REPO_ROOT, "test", "fixtures", "bench", name);
const read = (name: string) => parseBenchResult(readFileSync(fixture(name), "utf8"), name);
function report(...args: string[]) {
  const r = spawnSync(
    join(REPO_ROOT, "node_modules", ".bin", "tsx"),
    [join(REPO_ROOT, "scripts", "benchReport.ts"), ...args],
    {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("bench:report", () => {
  it("compares each metric with seed 003's B200 row, with the ratio and direction", () => {
    const rows = compare(read("b200-run.json"), reference("b200-sglang"));
    expect(rows.map((r) => [r.metric, r.result, r.reference, Number(r.ratio.toFixed(3)), r.verdict])).toEqual([
      ["output_throughput", 712.4, 700, 1.018, "better"],
      ["total_token_throughput", 6412.1, 6300, 1.018, "better"],
      ["mean_ttft_ms", 1598.2, 1662, 0.962, "better"],
      ["p99_ttft_ms", 20110.5, 21350, 0.942, "better"],
      ["mean_tpot_ms", 42.1, 43, 0.979, "better"],
      ["p99_tpot_ms", 57.3, 58, 0.988, "better"],
      ["mean_itl_ms", 101.7, 103, 0.987, "better"],
      ["p99_itl_ms", 712.9, 730, 0.977, "better"],
    ]);
  });

  it("a slower run is worse on throughput and latency alike", () => {
    const slow = { ...read("b200-run.json"), output_throughput: 350, p99_itl_ms: 1460 };
    const rows = compare(slow, reference("b200-sglang"));
    expect(rows.find((r) => r.metric === "output_throughput")).toMatchObject({ ratio: 0.5, verdict: "worse" });
    expect(rows.find((r) => r.metric === "p99_itl_ms")).toMatchObject({ ratio: 2, verdict: "worse" });
  });

  it("prints the table (command line, exit 0)", () => {
    const r = report(fixture("b200-run.json"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("against GLM-5 FP8, SGLang, 8x NVIDIA HGX B200 (seed 003)");
    expect(r.stdout).toContain("  output throughput (tok/s)        712.4         700    1.02x  better");
    expect(r.stdout).toContain("  ITL p99 (ms)                     712.9         730    0.98x  better");
    expect(r.stdout).toContain("  requests: 256 completed, 0 failed");
  });

  it("flags failed requests (exit 1)", () => {
    const r = report(fixture("failed-requests.json"));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("  FAILED REQUESTS: 3 of 256 (1.2%): the metrics cover only the completed ones");
  });

  it("notes a workload that differs from the reference's", () => {
    const text = formatReport(read("other-workload.json"), reference("b200-sglang"), "x.json");
    expect(text).toContain("  note: the run sent 64 prompts, the reference 256");
    expect(text).toContain("  note: the run's concurrency was 8, the reference's 32");
    expect(text).toContain("  note: prompts averaged 2048 tokens, the reference's 8192");
  });

  it("a truncated file: a clear error, exit 1", () => {
    const r = report(fixture("truncated.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^bench:report: .*truncated\.json is not valid JSON \(it looks truncated: the run may have been cut off\): /,
    );
  });

  it("a file that is not a result: every missing or wrong key, exit 1", () => {
    const r = report(fixture("missing-keys.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is not a `vllm bench serve --save-result` result:\n");
    expect(r.stderr).toContain("  - output_throughput: missing (number)\n");
    expect(r.stderr).toContain('  - mean_ttft_ms: expected number, found "fast"\n');
    expect(r.stderr).toContain("  - p99_tpot_ms: missing (number)");
  });

  it("an unknown baseline names the known ones; a missing file says so", () => {
    expect(report(fixture("b200-run.json"), "--baseline", "h100").stderr).toBe(
      'bench:report: unknown baseline "h100"; known baselines: b200-sglang\n',
    );
    const missing = report("nope.json");
    expect(missing.stderr).toBe("bench:report: cannot read nope.json: no such file or directory\n");
    expect(missing.status).toBe(2);
    expect(report().status).toBe(2);
  });
});
