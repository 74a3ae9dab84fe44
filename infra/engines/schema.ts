import { z } from "zod";
import { llamaCppEngineSchema, type ResolvedLlamaCppEngineConfig } from "./llamaCpp/schema";
import { sglangEngineSchema, type ResolvedSglangEngineConfig } from "./sglang/schema";
import { vllmAscendEngineSchema, type ResolvedVllmAscendEngineConfig } from "./vllmAscend/schema";
import { vllmEngineSchema, type ResolvedVllmEngineConfig } from "./vllm/schema";

/**
 * Engines by `kind`: each engine's folder brings its schema and joins this union. It sits here, below
 * config/, so the drivers can name the engine config type without importing the stack's schema.
 */
export const engineSchema = z
  .discriminatedUnion("kind", [vllmEngineSchema, sglangEngineSchema, vllmAscendEngineSchema, llamaCppEngineSchema])
  .describe("The inference engine and its flags; `kind` selects the engine (default vllm).");

export type EngineConfig = z.infer<typeof engineSchema>;

/**
 * An engine's config after its driver's `resolve` (once, in config/resolve.ts): every default that
 * depends on the model or the accelerator is filled in, so nothing downstream applies one again.
 */
export type ResolvedEngineConfig =
  ResolvedVllmEngineConfig | ResolvedSglangEngineConfig | ResolvedVllmAscendEngineConfig | ResolvedLlamaCppEngineConfig;

/** The resolved config of an engine kind. */
export type ResolvedOf<K extends EngineConfig["kind"]> = Extract<ResolvedEngineConfig, { kind: K }>;

/** The engine of a stack whose `engine.kind` is unset: the one whose schema defaults its kind. */
export const DEFAULT_ENGINE_KIND: EngineConfig["kind"] = engineSchema.parse({}).kind;
