import type { BenchmarkReference } from "../catalog/benchmarks";
import { driverOfKind, ENGINE_KINDS } from "../engines";

/**
 * Every published baseline `npm run bench:report` compares with: each engine's own, from its folder
 * (its driver's `baselines`), each tagged with the engine it ran; grouped by accelerator, and within
 * one in the registry's order, then the engine's own.
 */
export const BENCHMARK_REFERENCES: Readonly<Record<string, BenchmarkReference>> = Object.fromEntries(
  ENGINE_KINDS.flatMap((kind) =>
    (driverOfKind(kind).baselines ?? []).map(({ name, description, hardware, ...rest }): BenchmarkReference => ({
      name,
      description,
      hardware,
      engine: kind,
      ...rest,
    })),
  )
    .sort((a, b) =>
      a.hardware.accelerator < b.hardware.accelerator ? -1 : a.hardware.accelerator > b.hardware.accelerator ? 1 : 0,
    )
    .map((r) => [r.name, r]),
);
