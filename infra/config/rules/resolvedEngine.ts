import type { AcceleratorEntry } from "../../catalog/accelerators";
import { MODELS } from "../../catalog/models";
import { engineDriver } from "../../engines";
import type { ResolvedEngineConfig } from "../../engines/schema";
import type { StackConfig } from "../schema";

/** Parallel sizes of the engines that shard a model over ranks (llama.cpp has none: it splits layers). */
type Parallel = { tensorParallelSize?: number; dataParallelSize?: number };

/**
 * The engine as its driver resolves it (the one place defaults that depend on the model or the
 * accelerator are applied, e.g. vLLM-Ascend's tensor-parallel size of every NPU of a node): the rules
 * check what will run.
 */
export function resolvedEngine(cfg: StackConfig, acc: AcceleratorEntry): ResolvedEngineConfig & Parallel {
  return engineDriver(cfg.engine).resolve(cfg.engine, MODELS[cfg.model.id], acc);
}
