import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadSpec } from "./config/load";
import { CONFIG_NAMESPACE, ConfigError } from "./core/problems";
import { SECRET_KEYS, stackConfigSchema } from "./config/schema";
import { specWarnings } from "./config/warnings";
import type { ServingSpec } from "./config/spec";
import { ServingStack } from "./components/ServingStack";
import { secretEveryInput, secretSettings } from "./components/secretInputs";
import { DockerEngine } from "./components/DockerEngine";
import { dockerProject } from "./docker/container";
import { stackOutputs } from "./components/outputs";
import { timeBudgets } from "./planner/budgets";
import { assertFits, CapacityError } from "./planner/gate";

/**
 * The Pulumi program, shared by `pulumi up` (infra/index.ts) and the offline render
 * (infra/render): read config, validate it, register the stack, return its outputs.
 */

/** `isConfigSecret` is exported by the SDK's runtime but marked internal (absent from its types). */
function secretKeys(values: Record<string, string>): Set<string> {
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
  return new Set(Object.keys(values).filter((k) => isSecret?.(k) ?? false));
}

/**
 * The stack's config as raw strings: every schema key read through `pulumi.Config`, plus every other
 * key (a misspelt key or namespace is reported instead of silently ignored; providers' keys pass).
 */
function projectConfig(): Record<string, string> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const values: Record<string, string> = {};
  for (const key of Object.keys(stackConfigSchema.shape)) {
    const value = config.get(key);
    if (value !== undefined) values[`${CONFIG_NAMESPACE}:${key}`] = value;
  }
  for (const [key, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (!(key in values)) values[key] = value;
  }
  return values;
}

/**
 * The validated spec of the current stack, refused unless it fits its devices: a bad config or an
 * unfit stack ends the program with every problem and the plan's numbers, no stack trace.
 */
export function readSpec(): ServingSpec {
  const values = projectConfig();
  try {
    const spec = loadSpec({ stack: pulumi.getStack(), values, secretKeys: secretKeys(values) });
    assertFits(spec);
    for (const warning of specWarnings(spec)) void pulumi.log.warn(warning);
    return spec;
  } catch (e) {
    if (ConfigError.isInstance(e) || CapacityError.isInstance(e)) throw new pulumi.RunError(e.message);
    throw e;
  }
}

export async function program(): Promise<Record<string, pulumi.Input<string>>> {
  const spec = readSpec();
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  // Secret config beyond the credentials: every input of every resource secret, and the outputs too.
  const secretConfig = secretSettings(secretKeys(projectConfig()), CONFIG_NAMESPACE, SECRET_KEYS).length > 0;
  const secretOpts = secretConfig ? { transformations: [secretEveryInput] } : {};
  const outputs = (): Record<string, pulumi.Input<string>> =>
    secretConfig
      ? Object.fromEntries(Object.entries(stackOutputs(spec)).map(([k, v]) => [k, pulumi.secret(v)]))
      : stackOutputs(spec);
  // With External Secrets the credentials come from the store; Pulumi config holds none.
  const pulumiSecrets = !spec.externalSecrets.enabled;
  const provider = spec.renderYamlToDirectory
    ? new k8s.Provider("render-yaml", { renderYamlToDirectory: spec.renderYamlToDirectory })
    : undefined;
  if (spec.target === "docker") {
    const budgets = timeBudgets(spec);
    new DockerEngine(
      spec.name,
      {
        project: dockerProject(spec, budgets),
        ...(spec.docker.host ? { host: spec.docker.host } : {}),
        secrets: {
          ...(spec.credentials.hfToken ? { "hf-token": config.requireSecret("hfToken") } : {}),
          ...(spec.credentials.apiKey === "pulumi" ? { "api-key": config.requireSecret("apiKey") } : {}),
        },
      },
      secretOpts,
    );
    return outputs();
  }
  new ServingStack(
    spec.name,
    {
      spec,
      ...(pulumiSecrets && spec.credentials.hfToken ? { hfToken: config.requireSecret("hfToken") } : {}),
      ...(pulumiSecrets && spec.credentials.apiKey === "pulumi" ? { apiKey: config.requireSecret("apiKey") } : {}),
    },
    { ...(provider ? { providers: { kubernetes: provider } } : {}), ...secretOpts },
  );
  return outputs();
}
