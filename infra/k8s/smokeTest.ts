import { POD_HARDENING, READ_ONLY_HELPER } from "./security";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { ServingSpec } from "../config/spec";
import { containerScript } from "../containerScripts";
import type { EngineContainer } from "./engineWorkload";
import type { TimeBudgets } from "../planner/budgets";
import { WAIT_FOR_ENGINE_SCRIPT } from "./benchmark";
import { namedByContent } from "./jobIdentity";
import { labels, names } from "./labels";
import { secretEnv } from "./secret";
import { endpointUrl } from "./service";

/**
 * The smoke test: once the engine's /health answers through the Service, one chat completion with
 * the served model name; the Job fails unless the reply has content (the answer, or a reasoning
 * trace: `reasoning` in current vLLM, `reasoning_content` in older vLLM and SGLang). The request turns
 * GLM's thinking off (`chat_template_kwargs`, which vLLM and SGLang pass to the chat template), so
 * the answer comes within max_tokens. It runs in the engine's image (Python is there) and is named
 * after a hash of its own spec and of the engine's workload, so every change to the engine is
 * smoke-tested again, and the Job's immutable template never changes under the same name.
 */
export const SMOKE_SCRIPT = containerScript("smoke_test.py");

/**
 * The tool-call check (llama.cpp with --jinja, whose tool calling comes from the GGUF's chat
 * template): one chat completion offering a single function and asking for it; the Job fails unless
 * the reply's message carries a tool call of that function with JSON arguments.
 */
export const TOOL_CALL_SMOKE_SCRIPT = containerScript("tool_call_smoke_test.py");

export function smokeTestJob(
  spec: ServingSpec,
  budgets: TimeBudgets,
  engine: Pick<EngineContainer, "image" | "toolsImage" | "smokeToolCall">,
  engineWorkload: { readonly spec?: unknown },
): IJob | undefined {
  const t = spec.smokeTest;
  if (!t.enabled || spec.target !== "kubernetes") return undefined;
  // The Job runs Python: in the engine's image, or the tools image where the engine's has none.
  const engineImage = engine.toolsImage ?? engine.image;
  const api = endpointUrl(spec);
  const job: IJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: `${names(spec).engine}-smoke`,
      namespace: spec.namespace,
      labels: labels(spec, "smoke-test"),
      annotations: { "pulumi.com/timeoutSeconds": String(budgets.pulumiEngineTimeoutSeconds) },
    },
    spec: {
      backoffLimit: 2,
      activeDeadlineSeconds: budgets.pulumiEngineTimeoutSeconds,
      template: {
        metadata: { labels: labels(spec, "smoke-test") },
        spec: {
          restartPolicy: "Never",
          ...POD_HARDENING,
          initContainers: [
            {
              name: "wait-for-engine",
              image: engineImage,
              command: ["python3", "-c", WAIT_FOR_ENGINE_SCRIPT],
              env: [
                { name: "ENGINE_HEALTH_URL", value: `${api.replace(/\/v1$/, "")}/health` },
                { name: "WAIT_SECONDS", value: String(budgets.pulumiEngineTimeoutSeconds) },
              ],
              resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "128Mi" } },
              securityContext: READ_ONLY_HELPER,
            },
          ],
          containers: [
            {
              name: "smoke-test",
              image: engineImage,
              command: ["python3", "-c", engine.smokeToolCall ? TOOL_CALL_SMOKE_SCRIPT : SMOKE_SCRIPT],
              env: [
                { name: "API_URL", value: api },
                { name: "SERVED_MODEL", value: spec.model.servedModelName },
                { name: "PROMPT", value: t.prompt },
                { name: "MAX_TOKENS", value: String(t.maxTokens) },
                ...(spec.credentials.apiKey ? [secretEnv(spec, "API_KEY", "api-key")] : []),
              ],
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "256Mi" } },
              securityContext: READ_ONLY_HELPER,
            },
          ],
        },
      },
    },
  };
  return namedByContent(job, `${names(spec).engine}-smoke`, engineWorkload.spec);
}
