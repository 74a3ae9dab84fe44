import type { ServingSpec } from "../config/spec";
import { endpointUrl } from "./service";

/** A ready-to-paste request against the stack's API, from inside the cluster. */
export function curlCommand(spec: ServingSpec): string {
  const body = JSON.stringify({
    model: spec.model.servedModelName,
    messages: [{ role: "user", content: "Hello" }],
    max_tokens: 64,
  });
  const auth = spec.credentials.apiKey ? ` -H "Authorization: Bearer $GLM_API_KEY"` : "";
  return `curl -sS ${endpointUrl(spec)}/chat/completions -H 'Content-Type: application/json'${auth} -d '${body}'`;
}

/** The stack outputs: plain strings, none of them secret. */
export function stackOutputs(spec: ServingSpec) {
  return {
    endpoint: endpointUrl(spec),
    servedModelName: spec.model.servedModelName,
    curl: curlCommand(spec),
  };
}
