/** A credential of the stack, by its key in the credentials Secret (Kubernetes) or the Docker service's environment. */
export type CredentialKey = "hf-token" | "api-key";

/**
 * One environment variable of a process, target-neutral: a plain value, or a credential the target
 * supplies (a Kubernetes secretKeyRef; a Docker secret environment entry). Values never hold secrets.
 */
export type ProcessEnv =
  { readonly name: string; readonly value: string } | { readonly name: string; readonly secret: CredentialKey };
