import type { AcceleratorEntry } from "../catalog/accelerators";
import type { ModelEntry } from "../catalog/models";
import type { ImageRef } from "../core/schemaFields";
import type { ResolvedEngineConfig } from "../engines/schema";
import type { StackConfig } from "./schema";

/**
 * A validated stack: the config with every default applied and every catalog reference resolved.
 * Everything downstream (planner, argv builders, manifest builders) reads only this.
 */
export interface ServingSpec {
  /** Pulumi stack name. */
  readonly stack: string;
  /** Base name of every object (the stack name unless `name` is set). */
  readonly name: string;
  readonly namespace: string;
  readonly createNamespace: boolean;
  readonly model: {
    readonly entry: ModelEntry;
    readonly revision: string;
    readonly servedModelName: string;
  };
  readonly accelerator: AcceleratorEntry;
  /** The engine's config with its catalog defaults filled in (infra/engines: each driver's `resolve`). */
  readonly engine: ResolvedEngineConfig;
  readonly nodePool: ResolvedNodePool;
  readonly weightCache: ResolvedWeightCache;
  readonly pod: StackConfig["pod"] & { readonly shmSize: string };
  readonly service: StackConfig["service"] & { readonly port: number };
  readonly monitoring: StackConfig["monitoring"];
  readonly benchmark: StackConfig["benchmark"];
  readonly smokeTest: StackConfig["smokeTest"];
  readonly router: StackConfig["router"];
  readonly autoscaling: StackConfig["autoscaling"];
  readonly leaderWorkerSet: StackConfig["leaderWorkerSet"];
  /** Which secrets the stack has; their values travel only as Pulumi secret outputs. */
  readonly credentials: { readonly hfToken: boolean; readonly apiKey: ApiKeySource | false };
  /** Where the credentials come from: Pulumi secret config, or an External Secrets store. */
  readonly externalSecrets: StackConfig["externalSecrets"];
  readonly renderYamlToDirectory?: string;
  readonly target: StackConfig["target"];
  readonly images: StackConfig["images"];
  readonly docker: StackConfig["docker"];
}

/**
 * Where the API key comes from (false: none, `service.auth: none` or a Docker stack without apiKey):
 * - pulumi: the apiKey config value, a Pulumi secret;
 * - generated: a random key `pulumi up` generates (a Pulumi secret, kept in the stack's state);
 * - external: externalSecrets.apiKeyKey, fetched by the External Secrets operator;
 * - existing: service.apiKeySecret, a Secret the user creates (only referenced).
 * The first two land in the stack's credentials Secret; a render can only redact them.
 */
export type ApiKeySource = "pulumi" | "generated" | "external" | "existing";

export type ResolvedNodePool = StackConfig["nodePool"] & {
  readonly karpenter: StackConfig["nodePool"]["karpenter"] & {
    /** Most nodes of the pool: nodePool.karpenter.maxNodes, or replicas x group nodes. */
    readonly maxNodes: number;
    readonly nodeClass: StackConfig["nodePool"]["karpenter"]["nodeClass"] & { readonly name: string };
  };
  readonly instanceTypes: readonly string[];
  /** The device-plugin resource engine pods request. */
  readonly resourceName: string;
  readonly staticNodeSelector: Readonly<Record<string, string>>;
};

export type ResolvedWeightCache = Omit<StackConfig["weightCache"], "mode" | "hostPath" | "readBandwidthMBps"> & {
  /** Where the cache lives: given, or the fastest storage the pool has (config/cacheDefaults.ts). */
  readonly mode: "volume" | "node-local";
  readonly hostPath: string;
  readonly readBandwidthMBps: number;
  /** True when the stack states readBandwidthMBps; false when a default (published or estimated) stands in. */
  readonly readBandwidthStated: boolean;
  /** Volume size as a Kubernetes quantity. */
  readonly size: string;
  readonly downloadImage: ImageRef;
  /** Hub client packages a first step installs (empty when weightCache.downloadImage brings its own). */
  readonly clientPackages: readonly string[];
};
