import { readdirSync } from "node:fs";
import { join } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import type { RawStackConfig } from "../config/load";
import { readBounded } from "../core/boundedRead";
import { SECRET_KEYS } from "../config/schema";
import { CONFIG_NAMESPACE, ConfigError, didYouMean, MASKED, type ConfigProblem } from "../core/problems";
import { isDnsLabel } from "../core/kubernetesFields";
import { toDnsLabel } from "../core/schemaFields";

/**
 * Reads stacks/Pulumi.<stack>.yaml the way the Pulumi CLI hands config to a program: every value a
 * string (structured values as JSON), plus the keys that hold secrets. Secrets are `secure:`
 * ciphertexts that only the CLI can decrypt; offline they are replaced by a placeholder, so a
 * render can never contain a secret's value.
 *
 * Reading is bounded, whatever the file holds: only a regular file (opened non-blocking, so a FIFO
 * or device never blocks, and checked on the open descriptor), read within a wall-clock limit
 * (core/boundedRead.ts: a /proc-like file that blocks is cut off), at most STACK_FILE_MAX_BYTES, YAML
 * aliases expanded at most YAML_MAX_ALIASES times (the yaml package's maxAliasCount: alias bombs stop
 * there), and duplicate keys found in one linear pass (the yaml package's own uniqueKeys check
 * compares every key with every other). Problems a readable document still has (duplicate keys,
 * NaN or Infinity) go with the config's own problems into one message.
 */
export interface StackFileConfig {
  readonly values: Record<string, string>;
  readonly secretKeys: string[];
  /** Problems of the file that still let its config be checked: reported with the config's own. */
  readonly problems: ConfigProblem[];
}

export const SECRET_PLACEHOLDER = "(encrypted in the stack file; decrypted only by `pulumi up`)";
/** Shipped stack files are a few KiB; a megabyte is far beyond any real one. */
export const STACK_FILE_MAX_BYTES = 1024 * 1024;
export const YAML_MAX_ALIASES = 100;

export function stackFilePath(stacksDir: string, stack: string): string {
  return join(stacksDir, `Pulumi.${stack}.yaml`);
}

/** What loadSpec takes: the file's values, its secret keys and the problems found reading it. */
export function rawStackConfig(stack: string, file: StackFileConfig): RawStackConfig {
  return { stack, values: file.values, secretKeys: new Set(file.secretKeys), fileProblems: file.problems };
}

function fileProblem(stack: string, value: unknown, allowed: string, fix: string, key?: string): ConfigError {
  return new ConfigError(stack, [{ path: "", value, allowed, fix, ...(key ? { key } : {}) }]);
}

/** The stacks that have a file in `stacksDir`. */
export function stackNames(stacksDir: string): string[] {
  try {
    return readdirSync(stacksDir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
  } catch {
    return [];
  }
}

export function readStackFile(stacksDir: string, stack: string): StackFileConfig {
  // The stack name becomes object names, labels and a file name: a DNS label, checked before any path is built.
  if (!isDnsLabel(stack)) {
    throw fileProblem(
      stack,
      stack,
      "a DNS-1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, at most 63 characters (objects, namespaces and rendered/<stack>/ are named after it)",
      `rename the stack to ${toDnsLabel(stack)} (pulumi stack rename ${toDnsLabel(stack)}; file stacks/Pulumi.${toDnsLabel(stack)}.yaml)`,
      "(stack name)",
    );
  }
  const path = stackFilePath(stacksDir, stack);
  const read = readBounded(path, STACK_FILE_MAX_BYTES);
  if (read.ok) return parseStackFile(stack, read.text);
  switch (read.reason) {
    case "open": {
      if (read.code === "ENOENT" || read.code === "ENOTDIR") {
        const stacks = stackNames(stacksDir);
        const guess = didYouMean(stack, stacks);
        throw fileProblem(
          stack,
          path,
          stacks.length
            ? `one of the stacks in ${stacksDir}/: ${stacks.join(", ")}`
            : `a stack with a file in ${stacksDir}/`,
          guess
            ? `use ${guess} (did you mean ${guess}?), or create ${path}`
            : `create ${path}, or use one of the stacks listed`,
        );
      }
      throw fileProblem(stack, path, "a readable file", `make ${path} readable (${read.code})`);
    }
    case "not-regular":
      throw fileProblem(
        stack,
        path,
        "a regular file",
        `${path} is ${read.kind}: replace it with the stack's YAML file`,
      );
    case "too-big":
      throw fileProblem(
        stack,
        `${read.size} bytes`,
        `a stack file of at most ${STACK_FILE_MAX_BYTES} bytes`,
        `remove what is not configuration from ${path}`,
      );
    case "timeout":
      throw fileProblem(
        stack,
        path,
        `a file that can be read within ${read.seconds} s`,
        `reading ${path} did not finish in ${read.seconds} s (a special file, or a hung network mount): replace it with the stack's YAML file on a local disk`,
      );
  }
}

/** The key as a problem shows it: the config key, then the path inside its value. */
function displayKey(path: readonly (string | number)[]): { key: string; path: string } {
  if (path[0] !== "config" || path.length < 2) return { key: path.map(String).join(".") || "(stack file)", path: "" };
  const rest = path
    .slice(2)
    .map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`))
    .join("");
  const full = String(path[1]);
  const sub = full.includes(":") ? full.slice(full.indexOf(":") + 1) : full;
  return { key: `${full}${rest}`, path: `${sub}${rest}` };
}

/** Duplicate keys of every mapping, in one pass (aliases are not followed). */
function duplicateKeys(root: YamlNode | null, lines: LineCounter): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isAlias(node)) return;
    if (isMap(node)) {
      const seen = new Map<string, number>();
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const offset = (pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
        const first = seen.get(name);
        if (first !== undefined) {
          const where = lines.linePos(offset);
          const before = lines.linePos(first);
          const shown = displayKey([...path, name]);
          problems.push({
            ...shown,
            value: isScalar(pair.value) ? pair.value.value : "(a second value)",
            allowed: "each key once in a mapping",
            fix: `keep one of the two ${shown.key} (lines ${before.line} and ${where.line}, column ${where.col})`,
          });
        } else seen.set(name, offset);
        walk(pair.value, [...path, name]);
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
  };
  walk(root, []);
  return problems;
}

/** NaN and infinities (YAML .nan, .inf) would become null in JSON: each is named as what it is. */
function nonFiniteNumbers(value: unknown, path: (string | number)[]): ConfigProblem[] {
  if (typeof value === "number" && !Number.isFinite(value)) {
    return [
      {
        ...displayKey(path),
        value,
        allowed: "a finite number (YAML .nan and .inf are not numbers any setting accepts)",
        fix: `set ${displayKey(path).path} to a finite number`,
      },
    ];
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => nonFiniteNumbers(v, [...path, i]));
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => nonFiniteNumbers(v, [...path, k]));
  return [];
}

/** The text of `line` (1-based), or of the last non-blank line before it (an error at the end of the file). */
function lineText(text: string, line: number): string {
  const all = text.split("\n");
  for (let i = Math.min(line, all.length) - 1; i >= 0; i--) if (all[i]!.trim() !== "") return all[i]!;
  return "";
}

/** The key written on that line, if it holds one. */
function keyOnLine(text: string, line: number): string | undefined {
  return /^\s*(?:-\s+)?([^\s:#][^:#]*?):(?:\s|$)/.exec(lineText(text, line))?.[1];
}

export function parseStackFile(stack: string, text: string): StackFileConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter: lines });
  const syntax = doc.errors.map((e): ConfigProblem => {
    const pos = e.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}` : "an unknown position";
    const key = pos ? keyOnLine(text, pos.line) : undefined;
    const message = e.message.split(/ at line \d+, column \d+:/)[0]!.trim();
    return {
      path: "",
      key: `(stack file) ${where}${key ? `, key ${key}` : ""}`,
      value: pos ? lineText(text, pos.line).trim() : undefined,
      allowed: "a YAML document with a top-level `config:` mapping",
      fix: `correct the YAML at ${where}: ${message}`,
    };
  });
  if (syntax.length > 0) throw new ConfigError(stack, syntax);
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: YAML_MAX_ALIASES });
  } catch (e) {
    // The yaml package throws a ReferenceError for an undefined alias and for an alias bomb.
    const message = (e as Error).message;
    throw fileProblem(
      stack,
      message,
      `YAML aliases that refer to an earlier anchor, expanding to at most ${YAML_MAX_ALIASES} copies`,
      /Excessive alias/.test(message)
        ? "write the values out instead of nesting aliases of aliases"
        : "define the anchor (&name) before its alias (*name), or write the value out",
    );
  }
  if (root === null || root === undefined) return { values: {}, secretKeys: [], problems: [] };
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
    problems: [
      ...duplicateKeys(doc.contents, lines),
      ...nonFiniteNumbers(root, []),
      ...encryptedSettings(entries.filter(([, value]) => isSecure(value)).map(([key]) => key)),
    ],
  };
}

/**
 * A setting other than the credentials kept as a `secure:` value: only `pulumi up` can decrypt it, so
 * an offline render (or plan) cannot read it. Named as such, instead of the schema's complaint about the
 * placeholder that stands in for it. (Under `pulumi up` it is decrypted and kept secret end to end.)
 */
function encryptedSettings(secureKeys: readonly string[]): ConfigProblem[] {
  return secureKeys
    .filter((k) => k.startsWith(`${CONFIG_NAMESPACE}:`))
    .map((k) => k.slice(CONFIG_NAMESPACE.length + 1))
    .filter((k) => !(SECRET_KEYS as readonly string[]).includes(k))
    .map((k) => ({
      path: k,
      value: MASKED,
      allowed: `a value an offline render can read: only \`pulumi up\` decrypts a secure: value, and of the settings only ${SECRET_KEYS.join(" and ")} need to be secrets`,
      fix: `keep ${k} in the clear in the stack file for npm run render and plan (under pulumi up a secret ${k} stays secret end to end, see the README's Security)`,
    }));
}
