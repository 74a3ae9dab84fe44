import { MASKED, type ConfigProblem } from "../../core/problems";
import { SECRET_KEYS, type StackConfig } from "../schema";

/** Secrets: kept encrypted, from one source, and never written to rendered files. */

export function secretRules(cfg: StackConfig, secretKeys: ReadonlySet<string>): ConfigProblem[] {
  return SECRET_KEYS.filter((k) => cfg[k] !== undefined && !secretKeys.has(k)).map((k) => ({
    path: k,
    value: "[plaintext]",
    allowed: "an encrypted Pulumi secret (a `secure:` value in the stack file)",
    fix: `pulumi config set --secret ${k} <value>`,
  }));
}

/** One source per credential: an External Secrets store or Pulumi config, not both. */
export function externalSecretRules(cfg: StackConfig): ConfigProblem[] {
  if (!cfg.externalSecrets.enabled) return [];
  return SECRET_KEYS.filter((k) => cfg[k] !== undefined).map((k) => ({
    path: k,
    value: "[secret]",
    allowed: `unset while externalSecrets.enabled is true (the credentials come from the store's ${k}Key)`,
    fix: `pulumi config rm ${k} and set externalSecrets.${k}Key`,
  }));
}

/** The provider writes Secret values in plaintext when it renders YAML; secrets and rendering do not mix. */
export function renderSecretRules(cfg: StackConfig, secretKeys: ReadonlySet<string>): ConfigProblem[] {
  if (cfg.renderYamlToDirectory === undefined) return [];
  const credentials = SECRET_KEYS.filter((k) => cfg[k] !== undefined).map((k) => ({
    path: k,
    value: "[secret]",
    allowed: "no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
    fix: `pulumi config rm ${k} and create the Secret outside this stack, or use npm run render (which redacts secrets) instead of renderYamlToDirectory`,
  }));
  // Any other setting kept as a Pulumi secret would land in the files in plaintext just the same.
  const settings = [...secretKeys]
    .filter((k) => !(SECRET_KEYS as readonly string[]).includes(k) && cfg[k as keyof StackConfig] !== undefined)
    .sort()
    .map((k) => ({
      path: k,
      value: MASKED,
      allowed:
        "no secret while renderYamlToDirectory is set: the Kubernetes provider would write it in plaintext there",
      fix: `pulumi config set ${k} without --secret if it is no secret, or use npm run render (which redacts secrets) instead of renderYamlToDirectory`,
    }));
  return [...credentials, ...settings];
}
