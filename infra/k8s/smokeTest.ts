import { POD_HARDENING, READ_ONLY_HELPER } from "./security";
import { createHash } from "node:crypto";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import type { ServingSpec } from "../config/spec";
import type { EngineContainer } from "./engineWorkload";
import type { TimeBudgets } from "../planner/budgets";
import { WAIT_FOR_ENGINE_SCRIPT } from "./benchmark";
import { labels, names } from "./labels";
import { secretEnv } from "./secret";
import { endpointUrl } from "./service";

/**
 * The smoke test: once the engine's /health answers through the Service, one chat completion with
 * the served model name; the Job fails unless the reply has content (the answer, or a reasoning
 * trace). It runs in the engine's image (Python is there) and is named after what it tests, so a new
 * model revision or image runs it again.
 */
export const SMOKE_SCRIPT = `import json, os, sys, urllib.request
body = json.dumps({"model": os.environ["SERVED_MODEL"], "max_tokens": int(os.environ["MAX_TOKENS"]),
                   "messages": [{"role": "user", "content": os.environ["PROMPT"]}]}).encode()
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
text = (message.get("content") or message.get("reasoning_content") or "").strip()
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
): IJob | undefined {
  const t = spec.smokeTest;
  if (!t.enabled || spec.target !== "kubernetes") return undefined;
  // The Job runs Python: in the engine's image, or the tools image where the engine's has none.
  const engineImage = engine.toolsImage ?? engine.image;
  const api = endpointUrl(spec);
  const hash = createHash("sha256")
    .update(JSON.stringify([engineImage, spec.model.entry.repo, spec.model.revision, t]))
    .digest("hex")
    .slice(0, 8);
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: `${names(spec).engine}-smoke-${hash}`,
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
}
