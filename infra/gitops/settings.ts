import { readBounded } from "../core/boundedRead";
import { parse } from "yaml";
import { z } from "zod";

/** gitops/settings.yaml: where the repository lives and how the operator and Argo CD reach it. */
export const gitopsSettingsSchema = z.strictObject({
  repository: z.url({ error: "the repository's clone URL" }),
  branch: z.string().min(1),
  pulumi: z.strictObject({
    namespace: z.string().min(1),
    /** The backend's organization: a Stack's `spec.stack` is `<organization>/<stack>`. */
    organization: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, {
      error: "an organization name (Pulumi Cloud), or `organization` on a self-managed backend",
    }),
    serviceAccountName: z.string().min(1),
    backend: z.string().default(""),
    passphraseSecret: z.strictObject({ name: z.string().min(1), key: z.string().min(1) }),
    accessTokenSecret: z.strictObject({ name: z.string().min(1), key: z.string().min(1) }),
    resyncFrequencySeconds: z.number().int().min(60),
  }),
  argocd: z.strictObject({ namespace: z.string().min(1), project: z.string().min(1) }),
  ci: z.strictObject({
    stacks: z.array(z.string().min(1)).min(1),
    driftSchedule: z.string().regex(/^(\S+\s+){4}\S+$/, { error: "a cron schedule of five fields" }),
    deploy: z.strictObject({
      /** Runner labels of the deploy job (a self-hosted runner: hosted ones stop a job at 6 hours). */
      runsOn: z.array(z.string().min(1)).min(1),
      /** The GitHub environment that holds the deploy credentials (only its jobs can read them). */
      environment: z.string().min(1),
      /** Added to the longest wait of the CI stacks' budgets for the deploy job's timeout-minutes. */
      marginMinutes: z.number().int().min(0),
    }),
    /** Cloud credentials through OIDC; absent: none (the kubeconfig secret must carry its own). */
    aws: z
      .strictObject({
        roleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { error: "an IAM role ARN" }),
        readOnlyRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, { error: "an IAM role ARN" }),
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: "an AWS region, e.g. us-east-1" }),
        eksCluster: z.string().min(1).optional(),
      })
      .optional(),
  }),
});

export type GitopsSettings = z.infer<typeof gitopsSettingsSchema>;

/** Settings files are a few KiB, read bounded like a stack file (no FIFO, no hang, no megabytes). */
export const SETTINGS_MAX_BYTES = 1024 * 1024;

export function readGitopsSettings(path: string): GitopsSettings {
  const read = readBounded(path, SETTINGS_MAX_BYTES);
  if (!read.ok) {
    const why =
      read.reason === "open"
        ? read.code
        : read.reason === "not-regular"
          ? `it is ${read.kind}, not a regular file`
          : read.reason === "too-big"
            ? `it has ${read.size} bytes, more than ${SETTINGS_MAX_BYTES}`
            : `reading it did not finish in ${read.seconds} s`;
    throw Object.assign(new Error(why), { code: read.reason === "open" ? read.code : "EINVAL" });
  }
  return gitopsSettingsSchema.parse(parse(read.text, { maxAliasCount: 100 }));
}
