import { ACCELERATORS } from "../../catalog/accelerators";
import { checkpointFormat, MODELS, type ModelEntry } from "../../catalog/models";
import { engineDriver } from "../../engines";
import type { ConfigProblem } from "../../core/problems";
import type { StackConfig } from "../schema";

/** The engine against the model: a checkpoint it can load, and the engine's own rules. */
export function modelEngineRules(cfg: StackConfig): ConfigProblem[] {
  const e = cfg.engine;
  const driver = engineDriver(e);
  const entry: ModelEntry = MODELS[cfg.model.id];
  const acc = ACCELERATORS[cfg.nodePool.accelerator];
  const problems: ConfigProblem[] = [];
  const loads = (m: ModelEntry) => driver.checkpointFormats.includes(checkpointFormat(m));
  const onNvidia = (m: ModelEntry) => m.hub === "huggingface" && m.quantization !== "w4a8";
  if (driver.vendors.includes("nvidia") && (entry.hub !== "huggingface" || entry.quantization === "w4a8")) {
    const cuda = Object.values(MODELS as Record<string, ModelEntry>)
      .filter((m) => onNvidia(m) && loads(m))
      .map((m) => m.id);
    problems.push({
      path: "model.id",
      value: entry.id,
      allowed: `a Hugging Face checkpoint engine.kind ${e.kind} can load on NVIDIA GPUs (${cuda.join(", ")}); ${entry.id} is for Ascend NPUs`,
      fix: `set model.id to one of ${cuda.join(", ")}`,
    });
  } else if (!loads(entry)) {
    // A GGUF file is llama.cpp's format; vLLM and SGLang load safetensors (and the reverse).
    const loadable = Object.values(MODELS as Record<string, ModelEntry>)
      .filter(
        (m) => loads(m) && m.architecture === entry.architecture && (!driver.vendors.includes("nvidia") || onNvidia(m)),
      )
      .map((m) => m.id);
    problems.push({
      path: "model.id",
      value: entry.id,
      allowed: `a ${driver.checkpointFormats.join(" or ")} checkpoint, which engine.kind ${e.kind} loads (${loadable.join(", ")}); ${entry.id} is ${checkpointFormat(entry)}`,
      fix: `set model.id to one of ${loadable.join(", ")}, or choose the engine for ${checkpointFormat(entry)} checkpoints`,
    });
  }
  return [...problems, ...driver.rules(e, entry, acc)];
}
