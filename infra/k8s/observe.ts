import { engineDriver } from "../engines";
import type { ServingSpec } from "../config/spec";
import type { TimeBudgets } from "../planner/budgets";
import { engineSeriesSelector } from "./scaleOut/autoscaling";
import { labels, names } from "./labels";

/**
 * What operators look at: a Grafana dashboard (a ConfigMap the Grafana sidecar loads, labelled
 * `grafana_dashboard: "1"`, and the same JSON under gitops/) and Prometheus-operator alert rules,
 * for every stack whose ServiceMonitor scrapes an engine with known metric names
 * (infra/engines/metrics.ts cites where each name comes from).
 */
export const TTFT_OBJECTIVE_SECONDS = 2;
export const GRAFANA_SIDECAR_LABEL = "grafana_dashboard";

function observed(spec: ServingSpec) {
  if (!spec.monitoring.serviceMonitor) return undefined;
  return engineDriver(spec.engine).metrics;
}

const quantile = (q: number, histogram: string, sel: string) =>
  `histogram_quantile(${q}, sum by (le) (rate(${histogram}_bucket{${sel}}[5m])))`;

/** The dashboard's JSON model (Grafana's schema: panels of Prometheus queries). */
export function dashboardJson(spec: ServingSpec): string | undefined {
  const m = observed(spec);
  if (!m) return undefined;
  const sel = engineSeriesSelector(spec);
  const pods = `namespace="${spec.namespace}",pod=~"${names(spec).engine}-.*"`;
  const panel = (id: number, title: string, unit: string, targets: Array<[string, string]>) => ({
    id,
    type: "timeseries",
    title,
    datasource: { type: "prometheus", uid: "${datasource}" },
    gridPos: { h: 8, w: 12, x: ((id - 1) % 2) * 12, y: Math.floor((id - 1) / 2) * 8 },
    fieldConfig: { defaults: { unit }, overrides: [] },
    targets: targets.map(([legendFormat, expr], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
  });
  const dashboard = {
    title: `glm-serving ${spec.stack}`,
    uid: `glm-serving-${spec.stack}`.slice(0, 40),
    schemaVersion: 39,
    tags: ["glm-serving", spec.engine.kind],
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus" }],
    },
    panels: [
      panel(1, "Throughput (tokens/s)", "short", [
        ["prompt", `sum(rate(${m.promptTokensTotal}{${sel}}[5m]))`],
        ["generated", `sum(rate(${m.generationTokensTotal}{${sel}}[5m]))`],
      ]),
      panel(2, "Time to first token", "s", [
        ["p50", quantile(0.5, m.ttft, sel)],
        ["p90", quantile(0.9, m.ttft, sel)],
        ["p99", quantile(0.99, m.ttft, sel)],
      ]),
      panel(3, "Inter-token latency", "s", [
        ["p50", quantile(0.5, m.itl, sel)],
        ["p90", quantile(0.9, m.itl, sel)],
        ["p99", quantile(0.99, m.itl, sel)],
      ]),
      panel(4, "Queue depth", "short", [
        ["waiting", `sum(${m.waiting}{${sel}})`],
        ["running", `sum(${m.running}{${sel}})`],
      ]),
      panel(5, "KV-cache usage", "percentunit", [["{{pod}}", `max by (pod) (${m.kvUsage}{${sel}})`]]),
      panel(6, `Speculative acceptance (${m.specAcceptanceUnit})`, "short", [["acceptance", m.specAcceptance(sel)]]),
      panel(7, "Replicas and readiness", "short", [
        ["pods", `count(kube_pod_info{${pods}})`],
        ["ready", `sum(kube_pod_status_ready{${pods},condition="true"})`],
      ]),
    ],
  };
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** The dashboard as a ConfigMap the Grafana sidecar picks up. */
export function dashboardConfigMap(spec: ServingSpec) {
  const json = dashboardJson(spec);
  if (!json) return undefined;
  return {
    apiVersion: "v1" as const,
    kind: "ConfigMap" as const,
    metadata: {
      name: `${spec.name}-dashboard`,
      namespace: spec.namespace,
      labels: { ...labels(spec, "engine"), [GRAFANA_SIDECAR_LABEL]: "1" },
    },
    data: { [`glm-serving-${spec.stack}.json`]: json },
  };
}

/**
 * Alerts: an engine down, a queue that keeps growing, KV cache saturated, TTFT over the objective,
 * and a weight cache stuck (the download Job running past its deadline or failed).
 */
export function prometheusRule(spec: ServingSpec, budgets: TimeBudgets) {
  const m = observed(spec);
  if (!m) return undefined;
  const sel = engineSeriesSelector(spec);
  const ns = spec.namespace;
  // kube-state-metrics' Job series for the stack's download Jobs (one per revision).
  const job = `namespace="${ns}",job_name=~"${spec.name}-weights-.*"`;
  const alert = (name: string, expr: string, forDuration: string, severity: string, summary: string) => ({
    alert: `GlmServing${name}`,
    expr,
    for: forDuration,
    labels: { severity, stack: spec.stack },
    annotations: { summary },
  });
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: {
      name: `${spec.name}-alerts`,
      namespace: ns,
      labels: { ...labels(spec, "engine"), ...spec.monitoring.labels },
    },
    spec: {
      groups: [
        {
          name: `glm-serving-${spec.stack}`,
          rules: [
            alert(
              "EngineDown",
              `sum(up{namespace="${ns}",service="${names(spec).service}"}) < 1 or absent(up{namespace="${ns}",service="${names(spec).service}"})`,
              "5m",
              "critical",
              `No engine of ${spec.stack} answers its metrics scrape.`,
            ),
            alert(
              "QueueGrowing",
              `sum(${m.waiting}{${sel}}) > 0 and deriv(sum(${m.waiting}{${sel}})[15m:1m]) > 0`,
              "15m",
              "warning",
              `Requests waiting at ${spec.stack} have grown for 15 minutes: more replicas, or fewer clients.`,
            ),
            alert(
              "KvCacheSaturated",
              `max(${m.kvUsage}{${sel}}) > 0.95`,
              "10m",
              "warning",
              `A ${spec.stack} engine's KV cache has been over 95% for 10 minutes (requests queue or are preempted).`,
            ),
            alert(
              "TtftOverObjective",
              `${quantile(0.9, m.ttft, sel)} > ${TTFT_OBJECTIVE_SECONDS}`,
              "10m",
              "warning",
              `p90 time to first token of ${spec.stack} is over the ${TTFT_OBJECTIVE_SECONDS} s objective.`,
            ),
            alert(
              "WeightCacheStuck",
              `max(kube_job_status_failed{${job}}) > 0 or ((time() - max(kube_job_status_start_time{${job}})) > ${budgets.downloadDeadlineSeconds} and max(kube_job_status_active{${job}}) > 0)`,
              "30m",
              "critical",
              `The weight cache of ${spec.stack} is not completing (its download Job failed or runs past its deadline).`,
            ),
          ],
        },
      ],
    },
  };
}
