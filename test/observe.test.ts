import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SGLANG_METRICS } from "../infra/engines/sglang/metrics";
import { VLLM_METRICS } from "../infra/engines/vllm/metrics";
import { sglangArgs } from "../infra/engines/sglang";
import { stackManifests } from "../infra/k8s/manifests";
import { dashboardJson, prometheusRule } from "../infra/k8s/observe";
import { timeBudgets } from "../infra/planner/budgets";
import { specFrom, STACKS_DIR, stackSpec } from "./helpers";
import { validateObject } from "./schemaValidation";

/** Dashboards and alert rules: for every stack with metrics, only metric names the engines export. */
const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined);

/** Every metric name in a PromQL text (engine series, kube-state-metrics series, `up`). */
function metricNames(promql: string): string[] {
  return [...promql.matchAll(/\b((?:vllm|sglang):[a-z_]+|kube_[a-z_]+|up)\{/g)].map((m) => m[1]!);
}
const KNOWN = new Set([
  ...Object.values(VLLM_METRICS).filter((v): v is string => typeof v === "string"),
  ...Object.values(SGLANG_METRICS).filter((v): v is string => typeof v === "string"),
  "vllm:spec_decode_num_accepted_tokens_total",
  "vllm:spec_decode_num_draft_tokens_total",
  "sglang:spec_accept_length",
  // kube-state-metrics (replicas, readiness, the download Job) and Prometheus' own scrape health.
  "kube_pod_info",
  "kube_pod_status_ready",
  "kube_job_status_failed",
  "kube_job_status_start_time",
  "kube_job_status_active",
  "up",
]);
const histogram = (n: string) => n.replace(/_bucket$/, "");

describe("observing every stack with metrics", () => {
  const monitored = STACKS.map((s) => stackSpec(s)).filter(
    (s) => s.target === "kubernetes" && s.monitoring.serviceMonitor,
  );

  it("monitoring is on for h200-fp8 (and staging, its rehearsal), b200-sglang, the multi-node and the scale-out stacks", () => {
    expect(monitored.map((s) => s.stack)).toEqual(
      expect.arrayContaining(["h200-fp8", "staging", "b200-sglang", "h100-fp8-group", "h200-fp8-scale"]),
    );
    // SGLang serves /metrics only with --enable-metrics: b200-sglang turns it on.
    expect(sglangArgs(stackSpec("b200-sglang") as Parameters<typeof sglangArgs>[0])).toContain("--enable-metrics");
  });

  it("each gets a dashboard ConfigMap for the Grafana sidecar and alert rules valid against the CRD", () => {
    for (const spec of monitored) {
      const m = stackManifests(spec);
      expect(m.dashboard, spec.stack).toBeDefined();
      expect(m.dashboard!.metadata.labels.grafana_dashboard).toBe("1");
      validateObject(m.dashboard as never);
      validateObject(m.alertRules as never);
      expect(m.alertRules!.spec.groups[0]!.rules.map((r) => r.alert)).toEqual([
        "GlmServingEngineDown",
        "GlmServingQueueGrowing",
        "GlmServingKvCacheSaturated",
        "GlmServingTtftOverObjective",
        "GlmServingWeightCacheStuck",
      ]);
    }
  });

  it("every metric name is one the engine exports (infra/engines/<kind>/metrics.ts) or kube-state-metrics'", () => {
    for (const spec of monitored) {
      const texts = [dashboardJson(spec)!, JSON.stringify(prometheusRule(spec, timeBudgets(spec)))];
      for (const t of texts) {
        const names = metricNames(t.replace(/\\"/g, '"'));
        expect(names.length).toBeGreaterThan(5);
        for (const n of names) expect(KNOWN.has(histogram(n)), `${spec.stack}: ${n}`).toBe(true);
      }
    }
  });

  it("panels: throughput, TTFT and ITL percentiles, queue, KV cache, speculative acceptance, replicas", () => {
    const d = JSON.parse(dashboardJson(stackSpec("h200-fp8-scale"))!);
    expect(d.panels.map((p: { title: string }) => p.title)).toEqual([
      "Throughput (tokens/s)",
      "Time to first token",
      "Inter-token latency",
      "Queue depth",
      "KV-cache usage",
      "Speculative acceptance (accepted / drafted tokens)",
      "Replicas and readiness",
    ]);
    expect(d.panels[1].targets[2].expr).toBe(
      'histogram_quantile(0.99, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{namespace="h200-fp8-scale",model_name="glm-5-fp8"}[5m])))',
    );
    const sglang = specFrom({ engine: { kind: "sglang", enableMetrics: true }, monitoring: { serviceMonitor: true } });
    expect(dashboardJson(sglang)).toContain("sglang:num_queue_reqs");
  });

  it("the weight cache alert fires past the download deadline", () => {
    const spec = stackSpec("h200-fp8-scale");
    const rule = prometheusRule(spec, timeBudgets(spec))!.spec.groups[0]!.rules[4]!;
    expect(rule.expr).toContain(`> ${timeBudgets(spec).downloadDeadlineSeconds} and`);
  });

  it("no dashboard without scraping", () => {
    expect(stackSpec("h200-sglang").monitoring.serviceMonitor).toBe(false);
    expect(dashboardJson(stackSpec("h200-sglang"))).toBeUndefined();
  });
});
