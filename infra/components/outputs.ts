import type { ServingSpec } from "../config/spec";
import { dockerEndpoint } from "../docker/container";
import { names } from "../k8s/labels";
import { endpointUrl } from "../k8s/service";

/** The API's base URL: the in-cluster Service, or the Docker host's published port. */
function apiUrl(spec: ServingSpec): string {
  return spec.target === "docker" ? dockerEndpoint(spec) : endpointUrl(spec);
}

/** A ready-to-paste request against the stack's API (from inside the cluster for a Kubernetes stack). */
export function curlCommand(spec: ServingSpec): string {
  const body = JSON.stringify({
    model: spec.model.servedModelName,
    messages: [{ role: "user", content: "Hello" }],
    max_tokens: 64,
  });
  const auth = spec.credentials.apiKey ? ` -H "Authorization: Bearer $GLM_API_KEY"` : "";
  return `${keyFrom(spec)}curl -sS ${apiUrl(spec)}/chat/completions -H 'Content-Type: application/json'${auth} -d '${body}'`;
}

/** Where the curl reads the key: the Secret the engine reads it from (names only, never the key). */
function keyFrom(spec: ServingSpec): string {
  if (spec.target !== "kubernetes" || !spec.credentials.apiKey) return "";
  const existing = spec.credentials.apiKey === "existing" ? spec.service.apiKeySecret : undefined;
  const secret = existing ?? { name: names(spec).credentials, key: "api-key" };
  return `GLM_API_KEY=$(kubectl -n ${spec.namespace} get secret ${secret.name} -o jsonpath='{.data.${secret.key.replace(/\./g, "\\.")}}' | base64 -d); `;
}

/** The stack outputs: plain strings, none of them secret. */
export function stackOutputs(spec: ServingSpec) {
  return {
    endpoint: apiUrl(spec),
    servedModelName: spec.model.servedModelName,
    curl: curlCommand(spec),
  };
}
