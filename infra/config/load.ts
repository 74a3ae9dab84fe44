import { z } from "zod";
import { CONFIG_NAMESPACE, ConfigError, MASKED, type ConfigProblem } from "../core/problems";
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
  /** Problems found while reading the stack file (e.g. NaN), reported with the rest in one message. */
  readonly fileProblems?: readonly ConfigProblem[];
}

/** A copy of `input` without the values the schema refused (an array with a refused item goes whole). */
function withoutRefused(input: Record<string, unknown>, issues: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  const copy = structuredClone(input);
  const drop = (path: readonly PropertyKey[]): void => {
    if (path.length === 0) return;
    let at: unknown = copy;
    for (let i = 0; i < path.length - 1; i++) {
      if (Array.isArray(at)) return drop(path.slice(0, i));
      if (at === null || typeof at !== "object") return;
      at = (at as Record<PropertyKey, unknown>)[path[i] as string];
    }
    if (Array.isArray(at)) return drop(path.slice(0, -1));
    if (at !== null && typeof at === "object")
      delete (at as Record<PropertyKey, unknown>)[path[path.length - 1] as string];
  };
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") for (const key of issue.keys) drop([...issue.path, key]);
    else drop(issue.path);
  }
  return copy;
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

  // Cross-setting rules run in the same pass: values the schema refused are taken out so their
  // defaults stand in, and a rule's finding about a path already reported is not repeated.
  const shape = stackConfigSchema.shape;
  const repaired = parsed.success ? input : withoutRefused(input, parsed.error.issues);
  const sections = Object.keys(shape).map((k) => [k, shape[k as keyof typeof shape].safeParse(repaired[k])] as const);
  const partial: Partial<StackConfig> = parsed.success
    ? parsed.data
    : Object.fromEntries(sections.filter(([, r]) => r.success).map(([k, r]) => [k, r.data]));
  const valid = new Set(parsed.success ? Object.keys(shape) : sections.filter(([, r]) => r.success).map(([k]) => k));
  // A NaN the file reader named is not repeated as the null JSON made of it.
  const fileReported = new Set((raw.fileProblems ?? []).map((p) => p.path).filter((p) => p !== ""));
  const reported = schemaProblems.map((p) => p.path);
  const covered = (path: string) =>
    reported.some((r) => r === "" || path === r || path.startsWith(`${r}.`) || path.startsWith(`${r}[`));

  const problems = [
    ...(raw.fileProblems ?? []),
    ...namespaceProblems(raw.values),
    ...schemaProblems.filter((p) => !fileReported.has(p.path)),
    ...crossFieldProblems(partial, valid, secretKeys).filter((p) => !covered(p.path)),
  ];
  // A value under a key kept as a Pulumi secret is never shown, in the text or in --json.
  const masked = problems.map((p) => (secretKeys.has(p.path.split(/[.[]/)[0]!) ? { ...p, value: MASKED } : p));
  if (masked.length > 0 || !parsed.success) throw new ConfigError(raw.stack, masked);
  return resolveSpec(raw.stack, parsed.data);
}
