import type { EngineConfig } from "./schema";
import type { EngineDriver } from "./driver";
import { llamaCppDriver } from "./llamaCpp";
import { sglangDriver } from "./sglang";
import { vllmDriver } from "./vllm";
import { vllmAscendDriver } from "./vllmAscend";

/** Every engine a stack can run, by `engine.kind`. */
const DRIVERS: { readonly [K in EngineConfig["kind"]]: EngineDriver<Extract<EngineConfig, { kind: K }>> } = {
  vllm: vllmDriver,
  sglang: sglangDriver,
  "vllm-ascend": vllmAscendDriver,
  "llama-cpp": llamaCppDriver,
};

export function engineDriver<E extends EngineConfig>(engine: E): EngineDriver<E> {
  return DRIVERS[engine.kind as E["kind"]] as unknown as EngineDriver<E>;
}
