import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Imports flow one way. Every file of infra/ and scripts/ belongs to one layer; a file may import
 * its own layer and the layers below it, never one above. Type-only imports count: a type that sits
 * on the wrong side is moved down (into core/), not imported upwards.
 */
const LAYERS: readonly { readonly name: string; readonly paths: readonly string[]; readonly what: string }[] = [
  {
    name: "core",
    paths: ["infra/core/", "infra/containerScripts/"],
    what: "types, problems, field schemas, the container scripts: imports nothing of ours",
  },
  { name: "catalog", paths: ["infra/catalog/"], what: "data: models, accelerators, checkpoints' tensors" },
  { name: "engines", paths: ["infra/engines/"], what: "one folder per engine and the registry" },
  { name: "config", paths: ["infra/config/"], what: "the stack schema, loading, rules, the resolved spec" },
  { name: "planner", paths: ["infra/planner/"], what: "capacity, time budgets, cold start" },
  { name: "kubernetes target", paths: ["infra/k8s/"], what: "spec -> plain Kubernetes objects" },
  { name: "docker target", paths: ["infra/docker/"], what: "spec -> containers and a Compose file" },
  { name: "gitops target", paths: ["infra/gitops/"], what: "operator Stack, Argo CD Application, workflow" },
  { name: "components", paths: ["infra/components/"], what: "Pulumi components registering built objects" },
  { name: "program", paths: ["infra/program.ts", "infra/index.ts"], what: "the Pulumi program" },
  { name: "bench", paths: ["infra/bench/"], what: "benchmark results and references" },
  { name: "render", paths: ["infra/render/"], what: "the offline render under mocks" },
  { name: "scripts", paths: ["scripts/"], what: "command-line entry points" },
];

const ROOT = resolve(__dirname, "..");

export interface ImportEdge {
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.paths.some((p) => (p.endsWith("/") ? file.startsWith(p) : file === p)));
}

/** Every import against the direction, as one line naming the file, the import and the rule. */
export function directionViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a < 0 || b < 0) {
      const file = a < 0 ? e.from : e.to;
      out.push(`${file} is in no layer: add its folder to LAYERS in test/architecture.imports.test.ts`);
      continue;
    }
    if (b <= a) continue;
    out.push(
      `${e.from} imports "${e.specifier}" (${e.to}): layer ${LAYERS[a]!.name} must not import layer ${LAYERS[b]!.name} above it (${LAYERS.map((l) => l.name).join(" <- ")})`,
    );
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts|cts)$/.test(d.name) && !d.name.endsWith(".d.ts") ? [p] : [];
  });
}

function resolveImport(fromAbs: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromAbs), specifier);
  for (const c of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  return undefined;
}

/** Every relative import of infra/ and scripts/: import, import type, export from, import(), require(). */
export function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const abs of [...sourceFiles(join(ROOT, "infra")), ...sourceFiles(join(ROOT, "scripts"))]) {
    const info = ts.preProcessFile(readFileSync(abs, "utf8"), true, true);
    for (const imp of info.importedFiles) {
      if (!imp.fileName.startsWith(".")) continue;
      const target = resolveImport(abs, imp.fileName);
      if (!target) throw new Error(`${relative(ROOT, abs)}: import "${imp.fileName}" resolves to no file`);
      edges.push({ from: relative(ROOT, abs), to: relative(ROOT, target), specifier: imp.fileName });
    }
  }
  return edges;
}

describe("imports flow one way", () => {
  const edges = importEdges();

  it("reads the imports of every file, type-only ones included", () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({
      from: "infra/engines/driver.ts",
      to: "infra/core/problems.ts",
      specifier: "../core/problems",
    });
  });

  it("no file imports a layer above its own (no allow-list)", () => {
    expect(directionViolations(edges)).toEqual([]);
  });

  it("fails on an import against the direction, naming the file, the import and the rule", () => {
    const bad: ImportEdge = { from: "infra/core/problems.ts", to: "infra/k8s/labels.ts", specifier: "../k8s/labels" };
    expect(directionViolations([...edges, bad])).toEqual([
      'infra/core/problems.ts imports "../k8s/labels" (infra/k8s/labels.ts): layer core must not import layer kubernetes target above it (core <- catalog <- engines <- config <- planner <- kubernetes target <- docker target <- gitops target <- components <- program <- bench <- render <- scripts)',
    ]);
  });

  it("fails on a file outside every layer", () => {
    expect(
      directionViolations([{ from: "infra/misc/x.ts", to: "infra/core/problems.ts", specifier: "../core/problems" }]),
    ).toEqual(["infra/misc/x.ts is in no layer: add its folder to LAYERS in test/architecture.imports.test.ts"]);
  });
});
