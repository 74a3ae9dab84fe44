import { z } from "zod";
import { ENGINES } from "./registry";

type Engines = typeof ENGINES;

/** The input schema of one registered engine. */
type EngineSchemaOption = Engines[keyof Engines]["schema"];

/**
 * Engines by `kind`: the union of the registry's schemas (engines/registry.ts), in its order. It sits
 * here, below config/, so the drivers can name the engine config type without importing the stack's
 * schema. (The cast only says the registry is not empty: zod wants a non-empty tuple.)
 */
export const engineSchema = z
  .discriminatedUnion(
    "kind",
    Object.values(ENGINES).map((e) => e.schema) as unknown as [EngineSchemaOption, ...EngineSchemaOption[]],
  )
  .describe("The inference engine and its flags; `kind` selects the engine (default vllm).");

export type EngineConfig = z.infer<typeof engineSchema>;

/**
 * An engine's config after its driver's `resolve` (once, in config/resolve.ts): every default that
 * depends on the model or the accelerator is filled in, so nothing downstream applies one again.
 * The union of what the registry's drivers resolve to.
 */
export type ResolvedEngineConfig = { [K in keyof Engines]: ReturnType<Engines[K]["driver"]["resolve"]> }[keyof Engines];

/** The resolved config of an engine kind. */
export type ResolvedOf<K extends EngineConfig["kind"]> = Extract<ResolvedEngineConfig, { kind: K }>;

/** The engine of a stack whose `engine.kind` is unset: the one whose schema defaults its kind. */
export const DEFAULT_ENGINE_KIND: EngineConfig["kind"] = engineSchema.parse({}).kind;
