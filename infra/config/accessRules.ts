import { setCommand, type ConfigProblem } from "../core/problems";
import type { StackConfig } from "./schema";

/**
 * Closed by default: a Kubernetes stack serves its API only with a key, unless it opts out explicitly
 * (service.auth: none), and then only inside the cluster behind its NetworkPolicy. External Secrets
 * switched on without a single key would render an open API without a word: refused too.
 */
export function accessRules(cfg: StackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const x = cfg.externalSecrets;
  if (x.enabled && x.hfTokenKey === undefined && x.apiKeyKey === undefined) {
    problems.push({
      path: "externalSecrets.enabled",
      value: true,
      allowed: "true only with a key to fetch (externalSecrets.apiKeyKey, externalSecrets.hfTokenKey)",
      fix: `${setCommand("externalSecrets.apiKeyKey", "<key of the API key in the store>")}, or ${setCommand("externalSecrets.enabled", false)}`,
    });
  }
  if (cfg.target !== "kubernetes") return problems;
  const keyed = x.enabled ? x.apiKeyKey !== undefined : cfg.apiKey !== undefined;
  if (cfg.service.auth === "api-key" && !keyed) {
    problems.push({
      path: "service.auth",
      value: "api-key",
      allowed:
        "an API key for every Kubernetes stack: apiKey as a Pulumi secret, or externalSecrets.apiKeyKey; or service.auth none, an explicit opt-out behind the NetworkPolicy",
      fix: x.enabled
        ? setCommand("externalSecrets.apiKeyKey", "<key of the API key in the store>")
        : `pulumi config set --secret apiKey "$(openssl rand -hex 32)", or ${setCommand("service.auth", "none")}`,
    });
  }
  if (cfg.service.auth === "none" && cfg.service.type !== "ClusterIP") {
    problems.push({
      path: "service.type",
      value: cfg.service.type,
      allowed:
        "ClusterIP while service.auth is none (a NodePort or load balancer would open the API beyond the cluster)",
      fix: `${setCommand("service.type", "ClusterIP")}, or set an API key and ${setCommand("service.auth", "api-key")}`,
    });
  }
  if (cfg.service.auth === "none" && !cfg.service.networkPolicy.enabled) {
    problems.push({
      path: "service.networkPolicy.enabled",
      value: false,
      allowed: "true while service.auth is none (the NetworkPolicy is then the only thing deciding who may call)",
      fix: setCommand("service.networkPolicy.enabled", true),
    });
  }
  return problems;
}
