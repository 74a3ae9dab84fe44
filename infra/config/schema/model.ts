import { z } from "zod";
import { MODEL_IDS } from "../../catalog/models";
import { matching } from "../../core/schemaFields";

export const modelSchema = z
  .strictObject({
    id: z
      .enum(MODEL_IDS)
      .default("glm-5-fp8")
      .describe("Catalog id of the checkpoint to serve (see infra/catalog/models.ts)."),
    revision: matching(
      /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/,
      "a commit of the model repository (on ModelScope and Modelers also a tag or branch)",
      "set {path} to the commit you have tested",
    )
      .optional()
      .describe("Pinned commit of the model repository; default: the catalog's pinned revision."),
    allowBranch: z
      .boolean()
      .default(false)
      .describe(
        "Serve a branch or tag in `revision` with `engine.trustRemoteCode` on: the download resolves it to a commit each time it runs and the engine serves that commit (refused otherwise: the checkpoint's own code would change with the branch).",
      ),
    servedModelName: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, {
        error: "a model name clients can send: letters, digits, '.', '_', ':', '/', '-'",
      })
      .optional()
      .describe("Name clients put in the `model` field of requests; default: the catalog's (e.g. glm-5-fp8)."),
  })
  .describe("Which checkpoint the stack serves.");
