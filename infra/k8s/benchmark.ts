import { POD_HARDENING, READ_ONLY_HELPER, ROOT_WRITER } from "./security";
import { createHash } from "node:crypto";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { BENCH_WORKLOADS, promptsAt } from "../catalog/benchmarks";
import { imageString } from "../core/schemaFields";
import { containerScript } from "../containerScripts";
import type { ServingSpec } from "../config/spec";
import { valueFlag, type Argv } from "../engines/flags";
import type { TimeBudgets } from "../planner/budgets";
import { namedByContent } from "./jobIdentity";
import { labels, names, selectorLabels } from "./labels";
import { scheduling } from "./nodePool";
import { secretEnv } from "./secret";
import { cacheLayout, cacheVolume, CACHE_VOLUME } from "./weightCache";
import { VLLM_BENCH_COMMAND } from "../engines/vllm/bench";

/**
 * The benchmark Job: seed 003's `vllm bench serve` workload against the stack's own Service.
 *
 * Its flags come first in the seed's order; the stack adds where to send requests (`--base-url`, the
 * in-cluster Service) and where to keep the result (`--result-dir` on a volume, a fixed file name).
 * The Job is named after a hash of its workload: Jobs are immutable, so a changed workload is a new
 * run, and an unchanged one is not run again. An init step waits for the engine's /health, so the run
 * starts only once the engine is ready, also when the YAML is applied by a GitOps tool; under
 * `pulumi up` the Job is also created only after the engine's rollout completed.
 *
 * The workload is data (infra/catalog/benchmarks.ts): one run, or a sweep of runs, one per
 * concurrency, each saving its own result file. The prompts' tokenizer is read from the stack's
 * weight cache, mounted read-only, with the hub offline (`--tokenizer` is the engine's own model
 * argument, resolved the way the engine resolves it): a run never downloads from the hub. The pod
 * runs beside the engine (same node, pod affinity), where even a ReadWriteOnce cache is mountable.
 */
export const BENCH_COMMAND = VLLM_BENCH_COMMAND;
export const RESULT_DIR = "/results";

function serviceBaseUrl(spec: ServingSpec): string {
  return `http://${names(spec).service}.${spec.namespace}.svc.cluster.local:${spec.service.port}`;
}

/** The run(s) of the stack's workload: lengths, and the prompts of each concurrency. */
export function benchRuns(spec: ServingSpec): {
  inputLen: number;
  outputLen: number;
  runs: Array<{ concurrency: number; prompts: number }>;
} {
  const b = spec.benchmark;
  const w = BENCH_WORKLOADS[b.workload];
  const concurrencies = b.maxConcurrency !== undefined ? [b.maxConcurrency] : [...w.concurrencies];
  return {
    inputLen: b.randomInputLen ?? w.inputLen,
    outputLen: b.randomOutputLen ?? w.outputLen,
    runs: concurrencies.map((c) => ({ concurrency: c, prompts: b.numPrompts ?? promptsAt(w, c) })),
  };
}

/**
 * The seed's flags, in the seed's order; a sweep leaves `--num-prompts` and `--max-concurrency` to
 * the script, which sets them per run.
 */
export function benchWorkloadArgs(spec: ServingSpec): Argv {
  const b = spec.benchmark;
  const { inputLen, outputLen, runs } = benchRuns(spec);
  const single = runs.length === 1 ? runs[0]! : undefined;
  return [
    ...valueFlag("backend", b.backend),
    ...valueFlag("model", b.tokenizer),
    ...valueFlag("served-model-name", spec.model.servedModelName),
    ...valueFlag("dataset-name", b.datasetName),
    ...(b.datasetName === "sharegpt"
      ? [...valueFlag("dataset-path", b.datasetPath), ...valueFlag("sharegpt-output-len", outputLen)]
      : [...valueFlag("random-input-len", inputLen), ...valueFlag("random-output-len", outputLen)]),
    ...(single
      ? [...valueFlag("num-prompts", single.prompts), ...valueFlag("max-concurrency", single.concurrency)]
      : []),
    ...valueFlag("endpoint", b.endpoint),
    "--save-result",
  ];
}

function workloadHash(spec: ServingSpec): string {
  return (
    createHash("sha256")
      // The tokenizer's source is part of the pod template, which a Job cannot change in place.
      .update(
        JSON.stringify([
          benchWorkloadArgs(spec),
          serviceBaseUrl(spec),
          imageString(spec.benchmark.image),
          cacheLayout(spec).modelArg,
        ]),
      )
      .digest("hex")
      .slice(0, 8)
  );
}

export function benchNames(spec: ServingSpec) {
  const hash = workloadHash(spec);
  return {
    // The Job's name is this prefix and a hash of its immutable spec (jobIdentity.ts), which holds
    // the workload: a changed workload is a new Job, the same one keeps its name.
    job: `${spec.name}-bench`,
    claim: `${spec.name}-bench-results`,
    resultFile: `${spec.name}-${hash}.json`,
  };
}

export function benchArgs(spec: ServingSpec): Argv {
  const single = benchRuns(spec).runs.length === 1;
  return [
    ...benchWorkloadArgs(spec),
    // After the seed's flags: the prompts' tokenizer, from the weight cache (the hub is offline).
    ...valueFlag("tokenizer", cacheLayout(spec).modelArg),
    ...valueFlag("base-url", serviceBaseUrl(spec)),
    ...valueFlag("result-dir", RESULT_DIR),
    ...(single ? valueFlag("result-filename", benchNames(spec).resultFile) : []),
  ];
}

/** Runs the benchmark, then prints the result (one JSON line) so `kubectl logs` can fetch it. */
export const BENCH_SCRIPT = containerScript("bench.sh");

/**
 * A sweep: one run per concurrency (CONCURRENCIES, with PROMPTS at the same positions), each result
 * in its own file, printed as it completes; `npm run bench:report` reads a directory of them as one sweep.
 */
export const SWEEP_SCRIPT = containerScript("bench_sweep.sh");

/** Polls the engine's /health through the Service until it answers 200, or gives up at the deadline. */
export const WAIT_FOR_ENGINE_SCRIPT = containerScript("wait_for_engine.py");

export function benchmarkClaim(spec: ServingSpec): IPersistentVolumeClaim | undefined {
  if (!spec.benchmark.enabled) return undefined;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: benchNames(spec).claim, namespace: spec.namespace, labels: labels(spec, "benchmark") },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: spec.benchmark.resultVolumeSize } } },
  };
}

export function benchmarkJob(spec: ServingSpec, budgets: TimeBudgets): IJob | undefined {
  const b = spec.benchmark;
  if (!b.enabled) return undefined;
  const n = benchNames(spec);
  return namedByContent(benchmarkJobOf(spec, budgets, n), n.job);
}

function benchmarkJobOf(spec: ServingSpec, budgets: TimeBudgets, n: ReturnType<typeof benchNames>): IJob {
  const b = spec.benchmark;
  const image = imageString(b.image);
  const { runs } = benchRuns(spec);
  const sweep = runs.length > 1;
  const layout = cacheLayout(spec);
  const { nodeSelector, tolerations } = scheduling(spec);
  const env: IEnvVar[] = [
    { name: "RESULT_DIR", value: RESULT_DIR },
    ...(sweep
      ? [
          { name: "RESULT_PREFIX", value: n.resultFile.replace(/\.json$/, "") },
          { name: "CONCURRENCIES", value: runs.map((r) => r.concurrency).join(" ") },
          { name: "PROMPTS", value: runs.map((r) => r.prompts).join(" ") },
        ]
      : [{ name: "RESULT_FILE", value: n.resultFile }]),
    // The tokenizer comes from the weight cache, as the engine reads it; the hub is never asked.
    ...layout.env.filter((e) => e.name === "HF_HOME" || e.name === "MODELSCOPE_CACHE"),
    { name: "HF_HUB_OFFLINE", value: "1" },
    // vLLM's OpenAI backends send OPENAI_API_KEY as the bearer token.
    ...(spec.credentials.apiKey ? [secretEnv(spec, "OPENAI_API_KEY", "api-key")] : []),
  ];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: n.job,
      namespace: spec.namespace,
      labels: labels(spec, "benchmark"),
      // A deployment is not hostage to its benchmark: Pulumi creates the Job and moves on.
      annotations: { "pulumi.com/skipAwait": "true" },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: b.timeoutMinutes * 60 + budgets.pulumiEngineTimeoutSeconds,
      template: {
        metadata: { labels: labels(spec, "benchmark") },
        spec: {
          restartPolicy: "Never",
          ...POD_HARDENING,
          // Beside the engine: its node holds (or mounts) the weight cache the tokenizer is read from.
          nodeSelector,
          ...(tolerations.length ? { tolerations } : {}),
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  labelSelector: { matchLabels: selectorLabels(spec, "engine") },
                  topologyKey: "kubernetes.io/hostname",
                },
              ],
            },
          },
          initContainers: [
            {
              name: "wait-for-engine",
              image,
              command: ["python3", "-c", WAIT_FOR_ENGINE_SCRIPT],
              env: [
                { name: "ENGINE_HEALTH_URL", value: `${serviceBaseUrl(spec)}/health` },
                { name: "WAIT_SECONDS", value: String(budgets.pulumiEngineTimeoutSeconds) },
              ],
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
              securityContext: READ_ONLY_HELPER,
            },
          ],
          containers: [
            {
              name: "bench",
              image,
              command: ["/bin/sh", "-c", sweep ? SWEEP_SCRIPT : BENCH_SCRIPT, "bench"],
              args: benchArgs(spec),
              env,
              resources: { requests: { cpu: "4", memory: "8Gi" }, limits: { memory: "8Gi" } },
              securityContext: ROOT_WRITER,
              volumeMounts: [
                { name: "results", mountPath: RESULT_DIR },
                { name: CACHE_VOLUME, mountPath: layout.mountPath, readOnly: true },
              ],
            },
          ],
          volumes: [{ name: "results", persistentVolumeClaim: { claimName: n.claim } }, cacheVolume(spec, true)],
        },
      },
    },
  };
}
