import { closest, distance } from "fastest-levenshtein";

/**
 * Configuration problems and the one error that reports all of them.
 *
 * Every problem names the config path (as `pulumi config set --path` spells it), the value found,
 * what is allowed and how to fix it. The message is the whole user interface of a bad stack, so its
 * text is tested word for word.
 */

export const CONFIG_NAMESPACE = "glm-serving";

export interface ConfigProblem {
  /** Dotted path below the project namespace, e.g. `engine.tensorParallelSize`; "" for the file itself. */
  readonly path: string;
  /** The full config key when it is not one of this project's (a foreign or missing namespace). */
  readonly key?: string;
  /** The offending value as written (already masked when secret); undefined when missing. */
  readonly value: unknown;
  readonly allowed: string;
  readonly fix: string;
}

/** Keys whose values never appear in a message: the secret keys, and anything named like a credential. */
const SECRET_PATHS = new Set(["hfToken", "apiKey"]);
const SECRET_NAME = /(TOKEN|API_KEY|SECRET|PASSWORD)$/i;

/** The value of a problem under a key kept as a Pulumi secret (loadSpec masks it before any message). */
export const MASKED = "[secret]";

/** Whether a problem's value must never be shown: a credential's path, or one named like a credential. */
export function isSecretPath(path: string): boolean {
  return SECRET_PATHS.has(path.split(".")[0] ?? "") || SECRET_NAME.test(path);
}

/** A problem as --json prints it: its full config key, and its value masked where the text masks it. */
export function publicProblem(p: ConfigProblem): ConfigProblem & { key: string } {
  return { ...p, key: p.key ?? configKey(p.path), value: isSecretPath(p.path) ? MASKED : p.value };
}

export function formatValue(path: string, value: unknown): string {
  if (value === undefined) return "(not set)";
  if (value === MASKED || isSecretPath(path)) return MASKED;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value); // NaN, Infinity: never "null"
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function configKey(path: string): string {
  return path === "" ? "(stack file)" : `${CONFIG_NAMESPACE}:${path}`;
}

/**
 * A file of thousands of stray keys gets a readable message, not megabytes: the first 50, then how
 * many more there are and that the count is complete (every problem is found in one pass; the
 * problems of `--json` list each one).
 */
export const MAX_LISTED = 50;

export function formatProblems(stack: string, problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  const lines = [`Stack "${stack}" has ${count} in its configuration (stacks/Pulumi.${stack}.yaml):`];
  for (const p of problems.slice(0, MAX_LISTED)) {
    lines.push(`  - ${p.key ?? configKey(p.path)} = ${formatValue(p.path, p.value)}`);
    lines.push(`      allowed: ${p.allowed}`);
    lines.push(`      fix:     ${p.fix}`);
  }
  if (problems.length > MAX_LISTED)
    lines.push(
      `  ... and ${problems.length - MAX_LISTED} more, not listed: ${problems.length} problems in all, every one found in this pass (--json lists each)`,
    );
  return lines.join("\n");
}

/** Thrown (or returned) when a stack's configuration is invalid; carries every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly stackName: string;

  constructor(stack: string, problems: readonly ConfigProblem[]) {
    super(formatProblems(stack, problems));
    this.name = "ConfigError";
    this.stackName = stack;
    this.problems = problems;
  }

  static isInstance(e: unknown): e is ConfigError {
    return e instanceof Error && e.name === "ConfigError" && Array.isArray((e as ConfigError).problems);
  }
}

/** The `pulumi config set` command that sets one scalar at a path, quoted for a POSIX shell. */
export function setCommand(path: string, value: string | number | boolean): string {
  const shown = String(value);
  const quoted = /^[A-Za-z0-9_.:/@=+-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, "'\\''")}'`;
  return `pulumi config set ${path.includes(".") ? "--path " : ""}${path} ${quoted}`;
}

/** The closest of `choices` to a misspelt `word`, if it is close enough to be a likely typo. */
export function didYouMean(word: string, choices: readonly string[]): string | undefined {
  if (choices.length === 0) return undefined;
  const best = closest(word, [...choices]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
