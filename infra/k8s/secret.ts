import type { IEnvVar } from "kubernetes-models/v1/EnvVar";
import type { IExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret" with {
  "resolution-mode": "import",
};
import type { ISecret } from "kubernetes-models/v1/Secret";
import type { ServingSpec } from "../config/spec";
import { labels, names } from "./labels";
import type { CredentialKey, ProcessEnv } from "../core/process";

/**
 * The stack's credentials Secret. Its values are Pulumi secrets: the builder returns the object
 * without data, and the component fills `stringData` with secret outputs, so no plaintext value
 * passes through a plain object, a rendered file or a log.
 */
export type { CredentialKey };

export function credentialKeys(spec: ServingSpec): CredentialKey[] {
  // A key in an existing Secret (service.apiKeySecret) is only referenced: it is not one of ours.
  const apiKey = spec.credentials.apiKey;
  return [
    ...(spec.credentials.hfToken ? (["hf-token"] as const) : []),
    ...(apiKey && apiKey !== "existing" ? (["api-key"] as const) : []),
  ];
}

export function credentialsSecret(spec: ServingSpec): ISecret | undefined {
  if (credentialKeys(spec).length === 0 || spec.externalSecrets.enabled) return undefined;
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: names(spec).credentials, namespace: spec.namespace, labels: labels(spec, "credentials") },
    type: "Opaque",
  };
}

/**
 * An environment variable read from the credentials Secret, or for the API key from the existing
 * Secret the stack names (service.apiKeySecret). Never optional: a pod whose Secret or key is missing
 * does not start, so a missing key never means an open API.
 */
export function secretEnv(spec: ServingSpec, name: string, key: CredentialKey): IEnvVar {
  const existing = spec.service.apiKeySecret;
  if (key === "api-key" && spec.credentials.apiKey === "existing" && existing)
    return { name, valueFrom: { secretKeyRef: { name: existing.name, key: existing.key } } };
  return { name, valueFrom: { secretKeyRef: { name: names(spec).credentials, key } } };
}

/**
 * The credentials Secret as an External Secrets `ExternalSecret`: the operator creates the same
 * Secret (same name, same keys) from the team's store, so nothing secret is ever in this project's
 * objects or rendered files.
 */
export function credentialsExternalSecret(spec: ServingSpec): IExternalSecret | undefined {
  const x = spec.externalSecrets;
  if (!x.enabled || credentialKeys(spec).length === 0) return undefined;
  const remote: Record<CredentialKey, string | undefined> = { "hf-token": x.hfTokenKey, "api-key": x.apiKeyKey };
  return {
    apiVersion: "external-secrets.io/v1",
    kind: "ExternalSecret",
    metadata: { name: names(spec).credentials, namespace: spec.namespace, labels: labels(spec, "credentials") },
    spec: {
      refreshInterval: x.refreshInterval,
      secretStoreRef: { name: x.storeName, kind: x.storeKind },
      target: { name: names(spec).credentials, creationPolicy: "Owner" },
      data: credentialKeys(spec).map((key) => ({ secretKey: key, remoteRef: { key: remote[key]! } })),
    },
  };
}

/** A process's environment entry as a container's: its value, or a reference to the credentials Secret. */
export function processEnvVar(spec: ServingSpec, e: ProcessEnv): IEnvVar {
  return "secret" in e ? secretEnv(spec, e.name, e.secret) : { name: e.name, value: e.value };
}
