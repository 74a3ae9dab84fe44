import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, expectTypeOf, it } from "vitest";
import { driverOfKind, ENGINE_KINDS } from "../infra/engines";
import { ENGINES } from "../infra/engines/registry";
import { engineSchema, type EngineConfig, type ResolvedEngineConfig, type ResolvedOf } from "../infra/engines/schema";
import type { ResolvedSglangEngineConfig } from "../infra/engines/sglang/schema";
import type { VllmEngineConfig } from "../infra/engines/vllm/schema";

/**
 * Every engine fact lives in its folder under infra/engines/: no file outside it compares against or
 * names an engine kind (a string literal, a literal type, an object key or a switch case such as
 * "sglang" or `vllm:`). Anything else asks the engine's driver (`engineDriver(spec.engine)`), so a
 * new engine is one folder plus one registry line. The kinds come from the registry itself.
 */
const ROOT = resolve(__dirname, "..");

/** Every place a source text names one of `kinds`, as "file:line: the text". */
export function kindMentions(file: string, text: string, kinds: readonly string[]): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const named = (n: ts.Node, what: string) =>
    out.push(`${file}:${source.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${what}`);
  const visit = (n: ts.Node): void => {
    if (ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) return;
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && kinds.includes(n.text)) {
      named(n, `${n.getText(source)} names engine kind ${n.text}`);
    } else if (
      (ts.isPropertyAssignment(n) || ts.isPropertySignature(n) || ts.isShorthandPropertyAssignment(n)) &&
      ts.isIdentifier(n.name) &&
      kinds.includes(n.name.text)
    ) {
      named(n.name, `key ${n.name.text} names engine kind ${n.name.text}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return sourceFiles(p);
    return d.name.endsWith(".ts") ? [p] : [];
  });
}

const outside = [...sourceFiles(join(ROOT, "infra")), ...sourceFiles(join(ROOT, "scripts"))]
  .map((abs) => relative(ROOT, abs))
  .filter((f) => !f.startsWith("infra/engines/"));

describe("no file outside infra/engines/ names an engine kind", () => {
  const mentions = outside.flatMap((f) => kindMentions(f, readFileSync(join(ROOT, f), "utf8"), ENGINE_KINDS));

  it("reads the registry's kinds and the files outside it", () => {
    expect([...ENGINE_KINDS]).toEqual(["vllm", "sglang", "vllm-ascend", "llama-cpp"]);
    expect(outside).toContain("infra/config/resolve.ts");
    expect(outside.some((f) => f.startsWith("infra/engines/"))).toBe(false);
  });

  it("none does (no allow-list)", () => {
    expect(mentions).toEqual([]);
  });

  it("fails on a comparison, a literal type, a key and a case naming a kind, with file and line", () => {
    const bad = [
      'if (spec.engine.kind === "sglang") run();',
      'type K = "vllm" | "other";',
      "const dirs = { vllm: 1, other: 2 };",
      'switch (kind) { case "llama-cpp": break; }',
      'const ok = "vllm-ascend-glm5"; // a longer string is not a kind',
    ].join("\n");
    expect(kindMentions("infra/k8s/x.ts", bad, ENGINE_KINDS)).toEqual([
      'infra/k8s/x.ts:1: "sglang" names engine kind sglang',
      'infra/k8s/x.ts:2: "vllm" names engine kind vllm',
      "infra/k8s/x.ts:3: key vllm names engine kind vllm",
      'infra/k8s/x.ts:4: "llama-cpp" names engine kind llama-cpp',
    ]);
  });

  it("every engine is a folder of its own: infra/engines/<kind>/ with its driver (index.ts) and schema", () => {
    const folders = readdirSync(join(ROOT, "infra", "engines"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    const camel = (kind: string) => kind.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    expect(folders).toEqual(ENGINE_KINDS.map(camel).sort());
    for (const kind of ENGINE_KINDS) {
      expect(driverOfKind(kind).kind).toBe(kind);
      for (const file of ["index.ts", "schema.ts"]) {
        expect(existsSync(join(ROOT, "infra", "engines", camel(kind), file)), `${kind}: ${file}`).toBe(true);
      }
    }
  });
});

describe("one registry line per engine (infra/engines/registry.ts)", () => {
  it("the config union, the kinds and the drivers all come from the registry, in its order", () => {
    expect(Object.keys(ENGINES)).toEqual([...ENGINE_KINDS]);
    expect(engineSchema.options.length).toBe(ENGINE_KINDS.length);
    ENGINE_KINDS.forEach((kind, i) => {
      expect(driverOfKind(kind)).toBe(ENGINES[kind].driver);
      expect(engineSchema.options[i], kind).toBe(ENGINES[kind].schema);
      expect(engineSchema.parse({ kind }).kind).toBe(kind);
    });
  });

  it("the derived types are the engines' own (a type check: tsc -b test fails otherwise)", () => {
    expectTypeOf<EngineConfig["kind"]>().toEqualTypeOf<"vllm" | "sglang" | "vllm-ascend" | "llama-cpp">();
    expectTypeOf<Extract<EngineConfig, { kind: "vllm" }>>().toEqualTypeOf<VllmEngineConfig>();
    expectTypeOf<ResolvedOf<"sglang">>().toEqualTypeOf<ResolvedSglangEngineConfig>();
    expectTypeOf<ResolvedEngineConfig["kind"]>().toEqualTypeOf<EngineConfig["kind"]>();
  });
});
