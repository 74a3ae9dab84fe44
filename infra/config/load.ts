import { z } from "zod";
import { CONFIG_NAMESPACE, ConfigError } from "./problems";
import { namespaceProblems, splitKey } from "./namespaces";
import { crossFieldProblems, resolveSpec } from "./resolve";
import { stackConfigSchema, type StackConfig } from "./schema";
import type { ServingSpec } from "./spec";
import { problemsFromZod } from "./zodProblems";

/**
 * Config as Pulumi hands it to a program: every value a string (structured values as JSON),
 * keys namespaced by project ("glm-serving:engine"), plus the set of keys holding secrets.
 */
export interface RawStackConfig {
  readonly stack: string;
  readonly values: Readonly<Record<string, string>>;
  readonly secretKeys: ReadonlySet<string>;
}

const jsonSchema = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as {
  properties: Record<string, { type?: string }>;
};

/** Top-level keys whose values are plain strings in Pulumi config (never JSON-decoded). */
const STRING_KEYS = new Set(
  Object.entries(jsonSchema.properties)
    .filter(([, p]) => p.type === "string")
    .map(([k]) => k),
);

/**
 * Strips the project namespace and decodes structured values; other namespaces are not ours.
 * Built with Object.fromEntries so every key, even "__proto__", is an own key the schema reports.
 */
export function decodeConfig(values: Readonly<Record<string, string>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(values)
      .map(([fullKey, raw]) => [...splitKey(fullKey), raw] as const)
      .filter(([ns]) => ns === CONFIG_NAMESPACE)
      .map(([, key, raw]) => [key, STRING_KEYS.has(key) ? raw : decodeJson(raw)]),
  );
}

function decodeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/**
 * Validates a stack's config and resolves it against the catalogs; throws one ConfigError listing
 * every problem: schema problems of every section, plus the cross-field problems of every rule
 * whose sections are themselves valid.
 */
export function loadSpec(raw: RawStackConfig): ServingSpec {
  const input = decodeConfig(raw.values);
  const secretKeys = new Set([...raw.secretKeys].map((k) => splitKey(k)[1]));
  const parsed = stackConfigSchema.safeParse(input, { reportInput: true });
  const schemaProblems = parsed.success ? [] : problemsFromZod(stackConfigSchema, input, parsed.error);

  const shape = stackConfigSchema.shape;
  const broken = new Set(parsed.success ? [] : parsed.error.issues.map((i) => String(i.path[0] ?? "")));
  const valid = new Set(Object.keys(shape).filter((k) => !broken.has(k)));
  const partial: Partial<StackConfig> = parsed.success
    ? parsed.data
    : Object.fromEntries([...valid].map((k) => [k, shape[k as keyof typeof shape].parse(input[k])] as const));

  const problems = [
    ...namespaceProblems(raw.values),
    ...schemaProblems,
    ...crossFieldProblems(partial, valid, secretKeys),
  ];
  if (problems.length > 0 || !parsed.success) throw new ConfigError(raw.stack, problems);
  return resolveSpec(raw.stack, parsed.data);
}
