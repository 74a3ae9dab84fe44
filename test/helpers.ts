import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseShell } from "shell-quote";
import { loadSpec } from "../infra/config/load";
import type { EngineConfig } from "../infra/config/schema";
import type { ServingSpec } from "../infra/config/spec";
import type { ILeaderWorkerSet } from "../infra/k8s/leaderWorkerSetTypes";
import type { StackManifests } from "../infra/k8s/manifests";
import { readStackFile } from "../infra/render/stackFile";
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const STACKS_DIR = join(REPO_ROOT, "stacks");
/** shared/ sits beside the repository in CI and on developer machines, not in a user's clone. */
export const SHARED_DIR = resolve(REPO_ROOT, "..", "shared");
export const HAVE_SHARED = existsSync(join(SHARED_DIR, "seeds"));
export const SKIP_SHARED_REASON = `../shared not found beside the repository (${SHARED_DIR}): seed and CRD checks skipped`;

/**
 * An argv without `--revision <commit>`, the one flag every vLLM and SGLang stack adds to its seed's
 * command (the cache holds a pinned commit and the engine runs offline, so it names that commit).
 */
export function withoutRevision(argv: readonly string[]): string[] {
  const i = argv.indexOf("--revision");
  return i < 0 ? [...argv] : [...argv.slice(0, i), ...argv.slice(i + 2)];
}

/** The spec of a stack in stacks/, as the program loads it. */
export function stackSpec(name: string): ServingSpec {
  const f = readStackFile(STACKS_DIR, name);
  return loadSpec({ stack: name, values: f.values, secretKeys: new Set(f.secretKeys) });
}

/**
 * Tests build many keyless stacks: they opt out of the API key explicitly (service.auth none), so
 * their objects hold no key Secret, unless they set a key, External Secrets or service.auth themselves
 * (the shipped stacks are closed: test/access.test.ts).
 */
export function withAuthOptOut(config: Record<string, unknown>): Record<string, unknown> {
  const service = (config["service"] ?? {}) as Record<string, unknown>;
  if (config["apiKey"] !== undefined || config["externalSecrets"] !== undefined || config["target"] === "docker")
    return config;
  if (typeof service !== "object" || service === null || "auth" in service || "apiKeySecret" in service) return config;
  return { ...config, service: { ...service, auth: "none" } };
}

/** The same opt-out for raw config values (as Pulumi hands them to the program). */
export function valuesWithAuthOptOut(values: Readonly<Record<string, string>>): Record<string, string> {
  const keyed = Object.keys(values).some((k) => /^glm-serving:(apiKey|externalSecrets|service|target)$/.test(k));
  return keyed ? { ...values } : { ...values, "glm-serving:service": '{"auth":"none"}' };
}

/** A spec from config values written as in a stack file (objects, not JSON strings). */
export function specFrom(config: Record<string, unknown> = {}, stack = "test", secretKeys: string[] = []): ServingSpec {
  const values = Object.fromEntries(
    Object.entries(withAuthOptOut(config)).map(([k, v]) => [
      `glm-serving:${k}`,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
  return loadSpec({ stack, values, secretKeys: new Set(secretKeys.map((k) => `glm-serving:${k}`)) });
}

/** A spec whose engine is of one kind (throws when the config selects another). */
export function engineSpecFrom<K extends EngineConfig["kind"]>(
  kind: K,
  config: Record<string, unknown> = {},
  stack = "test",
  secretKeys: string[] = [],
): ServingSpec & { engine: Extract<EngineConfig, { kind: K }> } {
  const spec = specFrom(config, stack, secretKeys);
  if (spec.engine.kind !== kind) throw new Error(`expected a ${kind} engine, got ${spec.engine.kind}`);
  return spec as ServingSpec & { engine: Extract<EngineConfig, { kind: K }> };
}

/** The message of the ConfigError `fn` throws (fails the test if it throws nothing). */
export function configErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if ((e as Error).name === "ConfigError") return (e as Error).message;
    throw e;
  }
  throw new Error("expected a ConfigError, got none");
}

/**
 * The argv of a hand-run command in a seed document: the first line that starts with `start`,
 * joined with its backslash continuations and split as a POSIX shell would.
 */
export function seedCommand(
  seedFile: string,
  start: string,
  occurrence = 0,
  env: Record<string, string> = {},
): string[] {
  const lines = readFileSync(join(SHARED_DIR, "seeds", seedFile), "utf8").split("\n");
  let found = -1;
  for (let i = 0, seen = 0; i < lines.length; i++) {
    if (lines[i]!.trim().startsWith(start) && seen++ === occurrence) {
      found = i;
      break;
    }
  }
  if (found < 0) throw new Error(`no command starting with "${start}" in ${seedFile}`);
  const parts: string[] = [];
  for (let i = found; i < lines.length; i++) {
    const line = lines[i]!.trimEnd();
    parts.push(line.replace(/\\$/, ""));
    if (!line.endsWith("\\")) break;
  }
  return parseShell(parts.join(" "), env).map((t) => String(t));
}

/**
 * The `command: >` of a Docker Compose service in a seed document (the `occurrence`-th), its folded
 * lines joined and split as a shell would: the arguments the image's entrypoint receives.
 */
export function seedComposeCommand(seedFile: string, occurrence = 0): string[] {
  const lines = readFileSync(join(SHARED_DIR, "seeds", seedFile), "utf8").split("\n");
  const starts = lines.flatMap((l, i) => (/^\s*command:\s*>\s*$/.test(l) ? [i] : []));
  const start = starts[occurrence];
  if (start === undefined) throw new Error(`no compose "command: >" in ${seedFile}`);
  const indent = (l: string) => l.length - l.trimStart().length;
  const parts: string[] = [];
  for (let i = start + 1; i < lines.length && lines[i]!.trim() && indent(lines[i]!) > indent(lines[start]!); i++)
    parts.push(lines[i]!.trim());
  return parseShell(parts.join(" ")).map((t) => String(t));
}

/**
 * A command line as flag -> value ("" for switches), JSON values parsed: seeds write the same
 * command in different flag orders and JSON spacing, so "flag for flag" means the same flags and
 * values. Positionals (the model) are left out, to be compared apart.
 */
export function flagMap(argv: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) continue;
    const next = argv[i + 1];
    const value = next === undefined || next.startsWith("--") ? "" : next;
    if (value !== "") i++;
    out[a] = value.startsWith("{") ? JSON.parse(value) : value;
  }
  return out;
}

/** Runs `npm run <script>`'s entry point in a fresh directory whose stacks/ holds `stackFiles`. */
export function runCli(script: "render" | "plan", args: string[], stackFiles: Record<string, string>) {
  const cwd = mkdtempSync(join(tmpdir(), `glm-${script}-`));
  mkdirSync(join(cwd, "stacks"));
  for (const [name, text] of Object.entries(stackFiles)) writeFileSync(join(cwd, "stacks", name), text);
  // As `npm run <script>` runs it: the precompiled command (scripts/run.cjs).
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "run.cjs"), script, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, cwd };
}

/** A stack file's text from config written as objects. */
export function stackFileText(config: Record<string, unknown>): string {
  return `config:\n${Object.entries(withAuthOptOut(config))
    .map(([k, v]) => `  glm-serving:${k}: ${JSON.stringify(v)}`)
    .join("\n")}\n`;
}

/** The engine workload of a single-node stack (a Deployment); fails the test otherwise. */
export function deploymentOf(m: StackManifests): IDeployment {
  if (m.engine.kind !== "Deployment") throw new Error(`expected a Deployment, got ${m.engine.kind}`);
  return m.engine;
}

/** The engine workload of a multi-node stack (a LeaderWorkerSet); fails the test otherwise. */
export function leaderWorkerSetOf(m: StackManifests): ILeaderWorkerSet {
  if (m.engine.kind !== "LeaderWorkerSet") throw new Error(`expected a LeaderWorkerSet, got ${m.engine.kind}`);
  return m.engine;
}
