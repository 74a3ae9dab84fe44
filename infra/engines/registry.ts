import { llamaCppEngineSchema } from "./llamaCpp/schema";
import { llamaCppDriver } from "./llamaCpp";
import { sglangEngineSchema } from "./sglang/schema";
import { sglangDriver } from "./sglang";
import { vllmAscendEngineSchema } from "./vllmAscend/schema";
import { vllmAscendDriver } from "./vllmAscend";
import { vllmEngineSchema } from "./vllm/schema";
import { vllmDriver } from "./vllm";

/**
 * Every engine a stack can run, by `engine.kind`: its folder's input schema and driver. Adding an
 * engine is its folder plus one line here; the config union (engines/schema.ts), the resolved types
 * and the driver lookups (engines/index.ts) are derived from this object, in its order (the
 * configuration reference's order too).
 */
export const ENGINES = {
  vllm: { schema: vllmEngineSchema, driver: vllmDriver },
  sglang: { schema: sglangEngineSchema, driver: sglangDriver },
  "vllm-ascend": { schema: vllmAscendEngineSchema, driver: vllmAscendDriver },
  "llama-cpp": { schema: llamaCppEngineSchema, driver: llamaCppDriver },
} as const;
