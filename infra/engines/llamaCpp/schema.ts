import { z } from "zod";
import { type ImageRef, envName, imageRef, positiveInt, unprivilegedPort } from "../../core/schemaFields";

/**
 * llama.cpp's server (`llama-server`) serving a GGUF checkpoint, with the routed experts of some
 * layers in host memory. Each field is one flag of tools/server/README.md in ggml-org/llama.cpp
 * (common/arg.cpp); the argv builder (infra/engines/llamaCpp/index.ts) emits a flag only when its field is
 * set, so a stack reproduces seed 001's `llama.cpp` command flag for flag.
 */
export const llamaCppEngineSchema = z.strictObject({
  kind: z
    .literal("llama-cpp")
    .describe("Engine: llama.cpp's OpenAI-compatible server (`llama-server`) on a GGUF checkpoint."),
  image: imageRef
    .optional()
    .describe(
      "Engine image; default ghcr.io/ggml-org/llama.cpp:server-cuda-b10257 pinned by digest (the CUDA server build; seed 001 names the moving `server-cuda` tag).",
    ),
  gpus: positiveInt
    .default(1)
    .describe("GPUs the pod requests; llama.cpp splits the layers over every GPU it sees (`--split-mode layer`)."),
  nGpuLayers: z
    .number()
    .int()
    .min(0)
    .default(999)
    .describe("`--n-gpu-layers`: layers stored on the GPUs (more than the model has means all of them; seed 001: 80)."),
  ctxSize: positiveInt
    .optional()
    .describe(
      "`--ctx-size`: tokens of KV cache, shared by all slots (seed 001: 32768); llama.cpp's default is the model's.",
    ),
  parallel: positiveInt
    .optional()
    .describe(
      "`--parallel`: server slots (concurrent sequences), each with ctxSize / parallel tokens; llama.cpp's choice when unset.",
    ),
  nCpuMoe: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "`--n-cpu-moe`: keep the routed experts of the first N layers in host memory (the rest of each layer stays on the GPU).",
    ),
  overrideTensor: z
    .array(z.string().regex(/^[^=\s]+=[A-Za-z0-9_]+$/, { error: "a pattern=buffer pair such as exps=CPU" }))
    .default([])
    .describe(
      "`--override-tensor`: tensor-name patterns and the buffer they go to (`exps=CPU`: every routed expert in host memory); the planner reads `exps=CPU` and `blk.N.ffn_*_exps` forms.",
    ),
  jinja: z
    .boolean()
    .default(true)
    .describe("`--jinja`: format chats with the GGUF's own chat template, which tool calls need."),
  port: unprivilegedPort
    .default(8080)
    .describe("`--port` the server listens on (always emitted, with `--host 0.0.0.0`; seed 001: 8080)."),
  extraArgs: z
    .array(z.string())
    .default([])
    .describe(
      "Escape hatch: further llama-server flags, appended verbatim (each must start with `-`, no typed flag twice).",
    ),
  env: z.record(envName, z.string()).default({}).describe("Extra environment variables of the engine container."),
});

export type LlamaCppEngineConfig = z.infer<typeof llamaCppEngineSchema>;

/** After resolution (the driver's `resolve`, once): the pinned image is set. */
export type ResolvedLlamaCppEngineConfig = LlamaCppEngineConfig & { readonly image: ImageRef };
