import { createHash } from "node:crypto";
import type { IJob } from "kubernetes-models/batch/v1/Job";

/**
 * A Job's pod template (and selector, completions, ...) cannot change once it exists: the API server
 * refuses the update ("field is immutable"), Argo CD fails the sync and Pulumi must replace the Job.
 * So every Job of a stack is named after a hash of everything in its spec the API server will not let
 * change: any change to what it runs is a new Job with a new name, and an update that leaves the Job
 * as it was leaves it alone (a completed download is not run again).
 *
 * Fields the API server lets change on an existing Job (batch/v1 validation of a Job update):
 * parallelism, activeDeadlineSeconds, backoffLimit, ttlSecondsAfterFinished and suspend. Everything
 * else is hashed.
 */
const MUTABLE_JOB_SPEC_FIELDS = new Set([
  "parallelism",
  "activeDeadlineSeconds",
  "backoffLimit",
  "ttlSecondsAfterFinished",
  "suspend",
]);

/** JSON with every object's keys sorted: the same value always hashes the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function shortHash(value: unknown): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 8);
}

/** The part of a Job's spec that cannot change in place. */
export function immutableJobSpec(job: IJob): Record<string, unknown> {
  return Object.fromEntries(Object.entries(job.spec ?? {}).filter(([k]) => !MUTABLE_JOB_SPEC_FIELDS.has(k)));
}

/**
 * The Job named `<base>-<hash>`, the hash taken over its immutable spec and `also` (what else should
 * run it again, e.g. the engine a smoke test tests).
 */
export function namedByContent(job: IJob, base: string, also?: unknown): IJob {
  const hash = shortHash(also === undefined ? immutableJobSpec(job) : [immutableJobSpec(job), also]);
  return { ...job, metadata: { ...job.metadata, name: `${base}-${hash}` } };
}
