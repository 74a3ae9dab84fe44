import { join } from "node:path";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { curveSvg, sweepPoints } from "../infra/bench/curve";
import { baselinesFor, compare, parseBenchResult, reference } from "../infra/bench/report";
import { command } from "../scripts/benchReport";
import { REPO_ROOT } from "./helpers";
import { runInProcess } from "./inProcess";

const fixture = (name: string) => join(REPO_ROOT, "test", "fixtures", "bench", name);
const read = (name: string) => parseBenchResult(readFileSync(fixture(name), "utf8"), name);
/** The command in this process (every case but one). */
function report(...args: string[]) {
  return runInProcess(command, args);
}

/** The real process, as `npm run bench:report` runs it (scripts/run.cjs). */
function reportProcess(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "run.cjs"), "benchReport", ...args], {
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
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
    const r = reportProcess(fixture("b200-run.json"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("against GLM-5 FP8, SGLang, 8x NVIDIA HGX B200 (seed 003)");
    expect(r.stdout).toContain("  output throughput (tok/s)        712.4         700    1.02x  better");
    expect(r.stdout).toContain("  ITL p99 (ms)                     712.9         730    0.98x  better");
    expect(r.stdout).toContain("  requests: 256 completed, 0 failed");
  });

  it("flags failed requests (exit 1)", async () => {
    const r = await report(fixture("failed-requests.json"));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("  FAILED REQUESTS: 3 of 256 (1.2%): the metrics cover only the completed ones");
  });

  it("refuses a workload that differs from the named baseline's, listing every difference (exit 1)", async () => {
    const r = await report(fixture("other-workload.json"), "--baseline", "b200-sglang");
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      [
        `bench:report: the run's workload is not baseline "b200-sglang"'s, so their numbers do not compare:`,
        "  - prompts averaged 2048 tokens, the baseline's 8192",
        "  - the run's concurrency was 8, the baseline's 32",
        "  - the run sent 64 prompts, the baseline 256",
        "",
      ].join("\n"),
    );
  });

  it("refuses a workload no published baseline ran (exit 1)", async () => {
    const r = await report(fixture("other-workload.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^bench:report: no published baseline ran this workload \(2048 in \/ 1024 out, concurrency 8\); baselines: b200-sglang \(8x b200-180gb, 8192\/1024, concurrency 32\), /,
    );
  });

  it("refuses a run with zero completed requests (exit 1)", async () => {
    const r = await report(fixture("zero-completed.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^bench:report: .*zero-completed\.json completed no requests \(256 failed\): its metrics measure nothing; check the engine's logs and run again\n$/,
    );
  });

  it("a truncated file: a clear error, exit 1", async () => {
    const r = await report(fixture("truncated.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^bench:report: .*truncated\.json is not valid JSON \(it looks truncated: the run may have been cut off\): /,
    );
  });

  it("a file that is not a result: every missing or wrong key, exit 1", async () => {
    const r = await report(fixture("missing-keys.json"));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("is not a `vllm bench serve --save-result` result:\n");
    expect(r.stderr).toContain("  - output_throughput: missing (number)\n");
    expect(r.stderr).toContain('  - mean_ttft_ms: expected number, found "fast"\n');
    expect(r.stderr).toContain("  - p99_tpot_ms: missing (number)");
  });

  it("an unknown baseline names the known ones; a missing file says so", async () => {
    expect((await report(fixture("b200-run.json"), "--baseline", "h100")).stderr).toBe(
      'bench:report: unknown baseline "h100"; known baselines: b200-sglang, b200-inferencex, b200-glm51-vendor, h200-vllm-recipe, h200-sglang-cookbook-c100, h200-sglang-cookbook-c1\n',
    );
    const missing = await report("nope.json");
    expect(missing.stderr).toBe("bench:report: cannot read nope.json: no such file or directory\n");
    expect(missing.status).toBe(2);
    expect((await report()).status).toBe(2);
  });

  it("compares a run with every published baseline of its workload and hardware, as ratios", async () => {
    const run = read("b200-run.json");
    expect(baselinesFor(run, {}).map((r) => r.name)).toEqual(["b200-sglang", "b200-inferencex"]);
    expect(baselinesFor(run, { hardware: "b200-180gb" }).map((r) => r.name)).toEqual([
      "b200-sglang",
      "b200-inferencex",
    ]);
    const inferencex = compare(run, reference("b200-inferencex"));
    expect(inferencex.map((r) => [r.metric, Number(r.ratio.toFixed(3)), r.verdict])).toEqual([
      ["output_throughput", 0.532, "worse"],
      ["total_token_throughput", 0.532, "worse"],
      ["mean_tpot_ms", 1.725, "worse"],
    ]);
    const r = await report(fixture("b200-run.json"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("against GLM-5 FP8, SGLang, 8x B200 (InferenceX)");
    expect(r.stdout).toContain("  total throughput (tok/s)       6,412.1      12,056    0.53x  worse");
    expect(r.stdout).toContain(
      "  note: its concurrency is inferred: 41 tok/s per user at 1,339 output tok/s (1,024 / 9,216 of the total) is about 32 users",
    );
    expect((await report(fixture("b200-run.json"), "--hardware", "h200-141gb")).stderr).toMatch(
      /^bench:report: no published baseline ran this workload on h200-141gb /,
    );
  });

  it("every published baseline of issue 15 is in the catalog with its source", () => {
    expect(reference("b200-sglang").metrics).toMatchObject({
      output_throughput: 700,
      total_token_throughput: 6300,
      mean_ttft_ms: 1662,
      mean_tpot_ms: 43,
    });
    expect(reference("b200-inferencex")).toMatchObject({
      metrics: { total_token_throughput: 8 * 1507, mean_tpot_ms: 24.4 },
      workload: { inputLen: 8192, outputLen: 1024 },
    });
    expect(reference("b200-glm51-vendor")).toMatchObject({
      metrics: { output_throughput: 1345, mean_itl_ms: 59 },
      workload: { inputLen: 8192, outputLen: 2048, maxConcurrency: 32, numPrompts: 512 },
    });
    expect(reference("b200-glm51-vendor").source).toContain("lambda.ai/inference-models/zai-org/glm-5.1");
  });

  it("a GLM-5.1 run of Lambda's 8k/2k workload is compared with Lambda's GLM-5.1 figure", async () => {
    const run = read("b200-glm51-8k2k-run.json");
    expect(baselinesFor(run, {}).map((r) => r.name)).toEqual(["b200-glm51-vendor"]);
    expect(
      compare(run, reference("b200-glm51-vendor")).map((r) => [r.metric, Number(r.ratio.toFixed(3)), r.verdict]),
    ).toEqual([
      ["output_throughput", 1.053, "better"],
      ["total_token_throughput", 1.053, "better"],
      ["mean_ttft_ms", 1.1, "worse"],
      ["mean_itl_ms", 0.934, "better"],
    ]);
    const r = await report(fixture("b200-glm51-8k2k-run.json"));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("against GLM-5.1 FP8, SGLang, 8x B200 (Lambda, seed 003's vendor, later run)");
    expect(r.stdout).toContain("  output throughput (tok/s)      1,416.1       1,345    1.05x  better");
    // The seed's 8k/1k run is a different workload: not compared.
    expect(r.stdout).not.toContain("(seed 003)");
  });

  it("a sweep: each point against its baselines, and the throughput-latency curve beside them (SVG)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "glm-bench-"));
    const svg = join(dir, "curve.svg");
    const r = await report(fixture("sweep-b200"), "--svg", svg);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      "Benchmark " + fixture("sweep-b200/c001.json") + ": no published baseline at this point (concurrency 1)",
    );
    expect(r.stdout).toContain(
      "Benchmark " + fixture("sweep-b200/c032.json") + " against GLM-5 FP8, SGLang, 8x B200 (InferenceX)",
    );
    expect(r.stdout).toContain(`Wrote the throughput-versus-latency curve to ${svg}`);
    const text = readFileSync(svg, "utf8");
    expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="720" height="480"')).toBe(true);
    expect(text).toContain(">GLM-5 FP8 on 8x b200-180gb, 8192 in / 1024 out</text>");
    // Seven sweep points joined by one line, two published baselines as diamonds (plus the legend's).
    expect(text.match(/<circle /g)).toHaveLength(8);
    expect(text.match(/<polyline /g)).toHaveLength(1);
    expect(text.match(/<polygon /g)).toHaveLength(3);
    expect(text).toContain(">b200-sglang</text>");
    expect(text).toContain(">b200-inferencex</text>");
    // Deterministic: the same sweep draws the same bytes.
    const again = join(dir, "again.svg");
    await report(fixture("sweep-b200"), "--svg", again);
    expect(readFileSync(again, "utf8")).toBe(text);
  });

  it("the curve's points: per-user speed from TPOT, throughput per device", () => {
    const points = sweepPoints([read("b200-run.json")], 8);
    expect(points).toEqual([{ label: "c32", perUser: 1000 / 42.1, perDevice: 6412.1 / 8 }]);
    expect(curveSvg("t", points, []).endsWith("</svg>\n")).toBe(true);
  });
});
