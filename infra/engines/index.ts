import type { EngineConfig, ResolvedOf } from "./schema";
import type { EngineDriver } from "./driver";
import { ENGINES } from "./registry";

/** The driver of every registered engine (engines/registry.ts), by `engine.kind`. */
const DRIVERS = Object.fromEntries(Object.entries(ENGINES).map(([kind, e]) => [kind, e.driver])) as {
  readonly [K in EngineConfig["kind"]]: EngineDriver<Extract<EngineConfig, { kind: K }>, ResolvedOf<K>>;
};

/** The driver of a stack's engine: of its input config (the rules) or its resolved one (everything after). */
export function engineDriver<E extends EngineConfig>(engine: E): EngineDriver<E, E & ResolvedOf<E["kind"]>> {
  return DRIVERS[engine.kind as E["kind"]] as unknown as EngineDriver<E, E & ResolvedOf<E["kind"]>>;
}

/** Every engine kind, in the registry's order. */
export const ENGINE_KINDS = Object.keys(DRIVERS) as readonly EngineConfig["kind"][];

/** The driver of an engine kind. */
export function driverOfKind<K extends EngineConfig["kind"]>(
  kind: K,
): EngineDriver<Extract<EngineConfig, { kind: K }>, ResolvedOf<K>> {
  return DRIVERS[kind] as unknown as EngineDriver<Extract<EngineConfig, { kind: K }>, ResolvedOf<K>>;
}

/** The kinds whose driver has a property, as "a, b or c" for a message. */
export function kindsWhere(has: (d: EngineDriver<never>) => boolean): string {
  const kinds = ENGINE_KINDS.filter((k) => has(DRIVERS[k] as unknown as EngineDriver<never>));
  return kinds.length > 1 ? `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}` : kinds.join("");
}
