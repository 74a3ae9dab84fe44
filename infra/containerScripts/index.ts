import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Every script a container runs, shell and Python, is a file of this folder, read here at build time
 * (a render or `pulumi up` reads the same bytes the tests run and lint). The builders put the text where
 * the container finds it: inline (`/bin/sh -c <text>`, `python3 -c <text>`, an environment variable)
 * or as a file of the weight cache's ConfigMap.
 *
 * Python helpers shared by several scripts live once, in glm_serving_common.py. A container has no
 * copy of that module, so a script names the helpers it uses in one line,
 * `from glm_serving_common import a, b`, and `bundle` puts their definitions in place of that line.
 * Run from this folder, the same line is an ordinary import.
 *
 * This module imports nothing of the project: every layer may read a script.
 */
export const CONTAINER_SCRIPTS = [
  // The weight cache: the download step (sh, then weight_cache.py with its three modules, from the
  // ConfigMap), the engine's wait step, the prefetch DaemonSet's node label.
  "download.sh",
  "weight_cache.py",
  "hub_manifest.py",
  "verify_checkpoint.py",
  "mirror_to_bucket.py",
  "wait_for_cache.py",
  "label_node.py",
  // The engine: a multi-node group's entrypoint, llama.cpp's start step, SGLang's API-key launcher.
  "group_entrypoint.sh",
  "llama_server_start.sh",
  "sglang_key_launcher.py",
  // The checks after a rollout: the wait for /health, the smoke tests, the benchmark (one run, a sweep).
  "wait_for_engine.py",
  "smoke_test.py",
  "tool_call_smoke_test.py",
  "bench.sh",
  "bench_sweep.sh",
] as const;
export type ContainerScriptName = (typeof CONTAINER_SCRIPTS)[number];

export const COMMON_MODULE = "glm_serving_common.py";
export const CONTAINER_SCRIPTS_DIR = __dirname;

const IMPORT_LINE = /^from glm_serving_common import ([A-Za-z_][A-Za-z0-9_]*(?:, [A-Za-z_][A-Za-z0-9_]*)*)$/gm;

/**
 * The top-level `def`/`class` blocks of a module by name: from the line that opens one to the next
 * line that starts in column 0, trailing blank lines left out.
 */
export function topLevelDefinitions(module: string): ReadonlyMap<string, string> {
  const lines = module.split("\n");
  const out = new Map<string, string>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^(?:def|class) ([A-Za-z_][A-Za-z0-9_]*)\b/.exec(lines[i]!);
    if (!m) continue;
    let end = i + 1;
    while (end < lines.length && (lines[end] === "" || /^\s/.test(lines[end]!))) end++;
    while (end > i + 1 && lines[end - 1] === "") end--;
    out.set(m[1]!, lines.slice(i, end).join("\n"));
  }
  return out;
}

/** `script` with each `from glm_serving_common import ...` line replaced by those definitions. */
export function bundle(script: string, common: string, name = "script"): string {
  const defs = topLevelDefinitions(common);
  return script.replace(IMPORT_LINE, (_, names: string) =>
    names
      .split(", ")
      .map((n) => {
        const d = defs.get(n);
        if (d === undefined) throw new Error(`${name} imports ${n}, which ${COMMON_MODULE} does not define`);
        return d;
      })
      .join("\n\n\n"),
  );
}

const cache = new Map<string, string>();

/** A script's text as a container runs it (its shared helpers put in place). */
export function containerScript(name: ContainerScriptName): string {
  let text = cache.get(name);
  if (text === undefined) {
    const read = (f: string) => readFileSync(join(CONTAINER_SCRIPTS_DIR, f), "utf8");
    text = name.endsWith(".py") ? bundle(read(name), read(COMMON_MODULE), name) : read(name);
    cache.set(name, text);
  }
  return text;
}
