import { z } from "zod";
import { benchmarkSchema } from "./benchmark";
import { smokeTestSchema } from "./smokeTest";
import { dnsLabel } from "../../core/schemaFields";
import { dnsSubdomain } from "../../core/kubernetesFields";
import { modelSchema } from "./model";
import { nodePoolSchema } from "./nodePool";
import { autoscalingSchema, routerSchema } from "./scaleOut";
import { monitoringSchema, podSchema, serviceSchema } from "./pod";
import { weightCacheSchema } from "./weightCache";
import { engineSchema, type EngineConfig } from "../../engines/schema";

export { engineSchema, type EngineConfig };

const secretString = z.string().min(1, { error: "a non-empty string" });

/**
 * Everything a stack can say, as the keys of `glm-serving:*` in stacks/Pulumi.<stack>.yaml.
 * A stack file holds only what differs from these defaults.
 */
export const stackConfigSchema = z.strictObject({
  name: dnsLabel.optional().describe("Base name of every object; default: the stack name."),
  target: z
    .enum(["kubernetes", "docker"])
    .default("kubernetes")
    .describe(
      "kubernetes: a cluster (node pool, cache, engine, Service); docker: one container on a Docker host with GPUs.",
    ),
  docker: z
    .strictObject({
      host: z
        .string()
        .min(1)
        .optional()
        .describe("DOCKER_HOST of the GPU machine (e.g. ssh://ops@gpu-01); default: the local daemon."),
      cacheHostPath: z
        .string()
        .regex(/^\/[A-Za-z0-9._/-]+$/, { error: "an absolute path on the Docker host" })
        .optional()
        .describe(
          "Host directory mounted as the Hugging Face cache (seed 000: ~/.cache/huggingface); default: a named volume.",
        ),
      cacheVolume: z
        .string()
        .min(1)
        .default("glm-serving-hf-cache")
        .describe("Named volume holding the cache when no host path is set."),
      publishPort: z.number().int().min(1).max(65535).default(8000).describe("Host port the API is published on (-p)."),
      restart: z
        .enum(["no", "on-failure", "always", "unless-stopped"])
        .default("unless-stopped")
        .describe("Restart policy of the container."),
    })
    .prefault({})
    .describe("The single-host Docker target (target: docker)."),
  namespace: dnsLabel
    .optional()
    .describe(
      "Namespace of every namespaced object; default: the stack's own, named after it (`name`), so no two stacks share one.",
    ),
  createNamespace: z
    .boolean()
    .default(true)
    .describe(
      "Create and own the namespace. false: it exists already and this stack does not own it (a namespace several stacks share: create it outside them, or let exactly one of them own it).",
    ),
  model: modelSchema.prefault({}),
  engine: engineSchema.prefault({}),
  nodePool: nodePoolSchema.prefault({}),
  weightCache: weightCacheSchema.prefault({}),
  pod: podSchema.prefault({}),
  service: serviceSchema.prefault({}),
  monitoring: monitoringSchema.prefault({}),
  benchmark: benchmarkSchema.prefault({}),
  smokeTest: smokeTestSchema.prefault({}),
  router: routerSchema,
  autoscaling: autoscalingSchema,
  leaderWorkerSet: z
    .strictObject({
      install: z
        .boolean()
        .default(false)
        .describe("Install the LeaderWorkerSet controller from the pinned chart in charts/lws."),
      present: z
        .boolean()
        .default(false)
        .describe("Declare the controller installed already (multi-node groups need one or the other)."),
    })
    .prefault({})
    .describe("The LeaderWorkerSet controller, a prerequisite of multi-node groups."),
  externalSecrets: z
    .strictObject({
      enabled: z
        .boolean()
        .default(false)
        .describe("Take the credentials from an External Secrets store (an ExternalSecret) instead of Pulumi secrets."),
      storeName: dnsSubdomain.default("default").describe("Name of the SecretStore / ClusterSecretStore."),
      storeKind: z
        .enum(["ClusterSecretStore", "SecretStore"])
        .default("ClusterSecretStore")
        .describe("Kind of the store."),
      hfTokenKey: z.string().min(1).optional().describe("Key of the Hugging Face token in the store."),
      apiKeyKey: z.string().min(1).optional().describe("Key of the API key in the store."),
      refreshInterval: z
        .string()
        .regex(/^[0-9]+(s|m|h)$/, { error: 'a duration such as "1h"' })
        .default("1h")
        .describe("How often the operator re-reads the store."),
    })
    .prefault({})
    .describe("Credentials from External Secrets (for GitOps: the rendered files carry references, never values)."),
  images: z
    .strictObject({
      build: z
        .boolean()
        .default(false)
        .describe("Build the engine's image from images/ and push it; the engine then runs the pushed digest."),
      registry: z
        .string()
        .regex(/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/, { error: "a registry path such as ghcr.io/my-org" })
        .optional()
        .describe("Where built images are pushed (required with build)."),
      tag: z
        .string()
        .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: "an image tag" })
        .refine((t) => t !== "latest", { error: "a fixed tag, not latest" })
        .optional()
        .describe("Tag of the built image (required with build); the engine uses its digest."),
      baseImage: z
        .string()
        .min(1)
        .optional()
        .describe("BASE_IMAGE of the Dockerfile, pinned by digest (required with build)."),
      transformersCommit: z
        .string()
        .regex(/^[0-9a-f]{40}$/, { error: "a full transformers commit: 40 lowercase hex digits" })
        .optional()
        .describe("TRANSFORMERS_COMMIT: the transformers commit installed from git (required with build)."),
    })
    .prefault({})
    .describe("Images as code: the Dockerfiles under images/, built with @pulumi/docker."),
  hfToken: secretString
    .optional()
    .describe("Hugging Face token (Pulumi secret: `pulumi config set --secret hfToken`); raises Hub rate limits."),
  apiKey: secretString
    .optional()
    .describe(
      "API key clients must send (Pulumi secret: `pulumi config set --secret apiKey`); unset, a Kubernetes stack takes it from externalSecrets.apiKeyKey or service.apiKeySecret, or `pulumi up` generates one.",
    ),
  renderYamlToDirectory: z
    .string()
    .min(1)
    .optional()
    .describe("When set, the Kubernetes provider writes YAML to this directory instead of applying to the cluster."),
});

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** Top-level keys that must hold Pulumi secrets (`secure:` values in the stack file). */
export const SECRET_KEYS = ["hfToken", "apiKey"] as const;
