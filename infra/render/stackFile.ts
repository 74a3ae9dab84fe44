import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isMap, parseDocument } from "yaml";
import { ConfigError } from "../config/problems";

/**
 * Reads stacks/Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: every value a
 * string (structured values as JSON), plus the keys that hold secrets. Secrets are `secure:`
 * ciphertexts that only the CLI can decrypt; offline they are replaced by a placeholder, so a
 * render can never contain a secret's value.
 */
export interface StackFileConfig {
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
}

export const SECRET_PLACEHOLDER = "(encrypted in the stack file; decrypted only by `pulumi up`)";

export function stackFilePath(stacksDir: string, stack: string): string {
  return join(stacksDir, `Pulumi.${stack}.yaml`);
}

function fileProblem(stack: string, value: unknown, allowed: string, fix: string): ConfigError {
  return new ConfigError(stack, [{ path: "", value, allowed, fix }]);
}

export function parseStackFile(stack: string, text: string): StackFileConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const where = first.linePos?.[0]
      ? `line ${first.linePos[0].line}, column ${first.linePos[0].col}`
      : "unknown position";
    throw fileProblem(
      stack,
      `YAML syntax error at ${where}: ${first.message.split("\n")[0]}`,
      "a YAML document with a top-level `config:` mapping",
      `correct the YAML at ${where}`,
    );
  }
  const root = doc.toJS() as unknown;
  if (root === null || root === undefined) return { values: {}, secretKeys: [] };
  const config = (root as { config?: unknown }).config;
  if (
    typeof root !== "object" ||
    !isMap(doc.contents) ||
    (config !== undefined && (config === null || typeof config !== "object" || Array.isArray(config)))
  ) {
    throw fileProblem(
      stack,
      root,
      "a YAML mapping with a `config:` mapping of `glm-serving:<key>: value` entries",
      "put the settings under a top-level `config:` key",
    );
  }
  const entries = Object.entries((config ?? {}) as Record<string, unknown>);
  const isSecure = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v;
  return {
    values: Object.fromEntries(
      entries.map(([key, value]) => [
        key,
        isSecure(value) ? SECRET_PLACEHOLDER : typeof value === "string" ? value : JSON.stringify(value),
      ]),
    ),
    secretKeys: entries.filter(([, value]) => isSecure(value)).map(([key]) => key),
  };
}

export function readStackFile(stacksDir: string, stack: string): StackFileConfig {
  const path = stackFilePath(stacksDir, stack);
  if (!existsSync(path)) {
    throw fileProblem(
      stack,
      path,
      "a stack that has a file in stacks/",
      `create ${path}, or use one of the stacks in ${stacksDir}`,
    );
  }
  return parseStackFile(stack, readFileSync(path, "utf8"));
}
