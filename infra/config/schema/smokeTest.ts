import { z } from "zod";
import { positiveInt } from "../../core/schemaFields";

/** A smoke test: one chat completion against the stack's Service once the engine is ready. */
export const smokeTestSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Add a Job that sends one chat completion and fails unless the model answers."),
    prompt: z
      .string()
      .min(1)
      .max(16384) // it travels in a Job's environment: kept far below the object size limit
      .default("Reply with the single word: ready")
      .describe("The message sent."),
    maxTokens: positiveInt
      .default(1024)
      .describe(
        "max_tokens of the request (thinking is turned off; a model that thinks anyway still has room to answer).",
      ),
  })
  .describe("Smoke test Job (awaited by pulumi up: a deployment whose model does not answer fails).");
