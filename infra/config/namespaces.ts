import { closest, distance } from "fastest-levenshtein";
import { CONFIG_NAMESPACE, type ConfigProblem } from "../core/problems";

/**
 * Every key of a stack file belongs to someone: this project (`glm-serving:`), Pulumi itself
 * (`pulumi:tags`, ...) or a provider the program creates (`kubernetes:context`, `docker:host`,
 * `random:`). Anything else would be silently ignored by the program, so a misspelt or missing
 * namespace (`glm-servng:engine`, `glm_serving:engine`, a bare `engine`) would deploy the defaults:
 * it is a problem naming the closest namespace instead.
 */
export const OTHER_NAMESPACES = ["pulumi", "kubernetes", "docker", "random"] as const;
const KNOWN = [CONFIG_NAMESPACE, ...OTHER_NAMESPACES];

export function splitKey(fullKey: string): [string, string] {
  const i = fullKey.indexOf(":");
  return i < 0 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

const ALLOWED = `${CONFIG_NAMESPACE}:<key> for this project, or ${OTHER_NAMESPACES.map((n) => `${n}:`).join(", ")} for Pulumi and the providers it uses`;

export function namespaceProblems(values: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [fullKey, value] of Object.entries(values)) {
    const [ns, key] = splitKey(fullKey);
    if ((KNOWN as readonly string[]).includes(ns)) continue;
    const base = { path: key, key: fullKey, value, allowed: ALLOWED };
    if (ns === "") {
      problems.push({ ...base, fix: `rename ${fullKey} to ${CONFIG_NAMESPACE}:${key}` });
      continue;
    }
    const near = closest(ns, KNOWN);
    problems.push({
      ...base,
      fix:
        distance(ns, near) <= Math.max(2, Math.floor(ns.length / 3))
          ? `rename ${fullKey} to ${near}:${key} (did you mean ${near}?)`
          : `rename ${fullKey} to ${CONFIG_NAMESPACE}:${key} if it is a setting of this project, else remove it (no ${ns} provider is used; the closest namespace is ${near})`,
    });
  }
  return problems;
}
