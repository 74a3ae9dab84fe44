import { z } from "zod";
import { llamaCppEngineSchema } from "./llamaCpp/schema";
import { sglangEngineSchema } from "./sglang/schema";
import { vllmAscendEngineSchema } from "./vllmAscend/schema";
import { vllmEngineSchema } from "./vllm/schema";

/**
 * Engines by `kind`: each engine's folder brings its schema and joins this union. It sits here, below
 * config/, so the drivers can name the engine config type without importing the stack's schema.
 */
export const engineSchema = z
  .discriminatedUnion("kind", [vllmEngineSchema, sglangEngineSchema, vllmAscendEngineSchema, llamaCppEngineSchema])
  .describe("The inference engine and its flags; `kind` selects the engine (default vllm).");

export type EngineConfig = z.infer<typeof engineSchema>;

/** The engine of a stack whose `engine.kind` is unset: the one whose schema defaults its kind. */
export const DEFAULT_ENGINE_KIND: EngineConfig["kind"] = engineSchema.parse({}).kind;
