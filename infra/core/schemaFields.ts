import { z } from "zod";

/**
 * Building blocks shared by every config section. Messages of format checks are written as the
 * "allowed" half of a problem report (see ../zodProblems.ts), so they read as a description.
 */

/**
 * A string matching `re`: `allowed` describes it, `fix` (with `{path}` for the config path) says
 * how to get there; both go into the problem report.
 */
export function matching(re: RegExp, allowed: string, fix: string) {
  return z.string().superRefine((value, ctx) => {
    if (!re.test(value)) ctx.addIssue({ code: "custom", message: allowed, params: { fix } });
  });
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** The nearest DNS-1123 label to a string, offered as the fix ("GLM_Serving" -> "glm-serving"). */
export function toDnsLabel(value: string): string {
  const label = value
    .normalize("NFD")
    .replace(/\p{M}+/gu, "") // "ünï" -> "uni"
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return label === "" ? "glm" : label;
}

export const dnsLabel = z.string().superRefine((value, ctx) => {
  if (!DNS_LABEL.test(value)) {
    ctx.addIssue({
      code: "custom",
      message:
        "a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters",
      params: { fix: `set {path} to ${toDnsLabel(value)}` },
    });
  }
});

/** Kubernetes resource quantities and label maps, checked as the API server does (./kubernetes.ts). */
export { labelMap, quantity } from "./kubernetesFields";

export const positiveInt = z.number().int().min(1);

/** A TCP port outside the privileged range (1024 to 65535): the ports the engines and their groups listen on. */
export const unprivilegedPort = z.number().int().min(1024).max(65535);

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: "an environment variable name: letters, digits and '_', not starting with a digit",
});

/** A container image pinned by tag (never `latest`) and optionally by digest. */
export const imageRef = z.strictObject({
  repository: z
    .string()
    .regex(/^[a-z0-9]+([._-]+[a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*$/, {
      error: 'an image repository such as "vllm/vllm-openai" or "quay.io/ascend/vllm-ascend"',
    })
    .describe("Image repository, including the registry host when not Docker Hub."),
  tag: z
    .string()
    .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'an image tag such as "glm5" or "v0.11.0"' })
    .refine((t) => t !== "latest", {
      error: 'a fixed tag: "latest" floats, so a redeploy could change the engine',
      params: { fix: "set {path} to the release tag you tested (and image.digest to pin its content)" },
    })
    .describe("Image tag; a fixed release tag, never `latest`."),
  digest: z
    .string()
    .regex(/^sha256:[a-f0-9]{64}$/, { error: 'an image digest "sha256:" followed by 64 hex digits' })
    .optional()
    .describe("Optional content digest; when set the image is pulled by digest (`repo:tag@sha256:…`)."),
});
export type ImageRef = z.infer<typeof imageRef>;

export function imageString(image: ImageRef): string {
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ""}`;
}
