import { readFileSync } from "node:fs";
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
  }),
});

export type GitopsSettings = z.infer<typeof gitopsSettingsSchema>;

export function readGitopsSettings(path: string): GitopsSettings {
  return gitopsSettingsSchema.parse(parse(readFileSync(path, "utf8")));
}
