import { POD_HARDENING, READ_ONLY_HELPER } from "./security";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { ServingSpec } from "../config/spec";
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
export const SMOKE_SCRIPT = `import json, os, sys, urllib.request
body = json.dumps({"model": os.environ["SERVED_MODEL"], "max_tokens": int(os.environ["MAX_TOKENS"]),
                   "messages": [{"role": "user", "content": os.environ["PROMPT"]}],
                   "chat_template_kwargs": {"enable_thinking": False}}).encode()
headers = {"Content-Type": "application/json"}
if os.environ.get("API_KEY"):
    headers["Authorization"] = "Bearer " + os.environ["API_KEY"]
request = urllib.request.Request(os.environ["API_URL"] + "/chat/completions", data=body, headers=headers)
try:
    reply = json.load(urllib.request.urlopen(request, timeout=600))
except Exception as e:
    print("glm-serving: smoke test: the request failed: %s" % e, file=sys.stderr)
    sys.exit(1)
message = (reply.get("choices") or [{}])[0].get("message") or {}
text = (message.get("content") or message.get("reasoning") or message.get("reasoning_content") or "").strip()
if not text:
    print("glm-serving: smoke test: the model returned no text: %s" % json.dumps(reply)[:500], file=sys.stderr)
    sys.exit(1)
print("glm-serving: smoke test passed: %s answered %r" % (os.environ["SERVED_MODEL"], text[:200]))
`;

/**
 * The tool-call check (llama.cpp with --jinja, whose tool calling comes from the GGUF's chat
 * template): one chat completion offering a single function and asking for it; the Job fails unless
 * the reply's message carries a tool call of that function with JSON arguments.
 */
export const TOOL_CALL_SMOKE_SCRIPT = `import json, os, sys, urllib.request
tool = {"type": "function", "function": {"name": "get_weather", "description": "Current weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
body = json.dumps({"model": os.environ["SERVED_MODEL"], "max_tokens": int(os.environ["MAX_TOKENS"]), "tools": [tool],
                   "messages": [{"role": "user", "content": "What is the weather in Paris? Use the tool."}]}).encode()
headers = {"Content-Type": "application/json"}
if os.environ.get("API_KEY"):
    headers["Authorization"] = "Bearer " + os.environ["API_KEY"]
request = urllib.request.Request(os.environ["API_URL"] + "/chat/completions", data=body, headers=headers)
try:
    reply = json.load(urllib.request.urlopen(request, timeout=600))
except Exception as e:
    print("glm-serving: tool-call smoke test: the request failed: %s" % e, file=sys.stderr)
    sys.exit(1)
message = (reply.get("choices") or [{}])[0].get("message") or {}
calls = [c for c in message.get("tool_calls") or [] if (c.get("function") or {}).get("name") == "get_weather"]
try:
    arguments = json.loads(calls[0]["function"]["arguments"]) if calls else None
except ValueError:
    arguments = None
if not isinstance(arguments, dict):
    print("glm-serving: tool-call smoke test: no get_weather call with JSON arguments: %s" % json.dumps(reply)[:500], file=sys.stderr)
    sys.exit(1)
print("glm-serving: tool-call smoke test passed: %s called get_weather(%s)" % (os.environ["SERVED_MODEL"], json.dumps(arguments)))
`;

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
