import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The config's cross-field rules sit in infra/config/rules/, one topic per file; resolve.ts only runs
 * them (its RULES table, in order). A rule is a function whose name ends in `Rules`. This fails when a
 * rule is declared outside rules/, declared twice, or declared in rules/ and run by nobody.
 */
const ROOT = resolve(__dirname, "..");
const CONFIG = join(ROOT, "infra/config");
const RULES_DIR = join(CONFIG, "rules");

/** Names of the rule functions a source text declares (top-level `function xRules`). */
export function ruleDeclarations(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  return source.statements.flatMap((s) =>
    ts.isFunctionDeclaration(s) && s.name && /Rules$/.test(s.name.text) ? [s.name.text] : [],
  );
}

/** A source text without its import declarations (an import alone runs nothing). */
function withoutImports(file: string, text: string): string {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  return source.statements
    .filter((s) => !ts.isImportDeclaration(s))
    .map((s) => s.getText(source))
    .join("\n");
}

/** Every rule declared in a file of config/ outside rules/, as "file: name". */
export function misplacedRules(files: ReadonlyMap<string, string>): string[] {
  return [...files]
    .filter(([f]) => !f.startsWith("infra/config/rules/"))
    .flatMap(([f, text]) => ruleDeclarations(f, text).map((n) => `${f}: ${n} belongs in infra/config/rules/`));
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return tsFiles(p);
    return d.name.endsWith(".ts") ? [p] : [];
  });
}

describe("config rules: one topic per file under infra/config/rules/", () => {
  const files = new Map(tsFiles(CONFIG).map((abs) => [relative(ROOT, abs), readFileSync(abs, "utf8")]));
  const ruleFiles = [...files].filter(([f]) => f.startsWith("infra/config/rules/"));
  const declared = ruleFiles.flatMap(([f, text]) => ruleDeclarations(f, text).map((name) => ({ f, name })));

  it("reads the rule files and their rules", () => {
    expect(readdirSync(RULES_DIR).length).toBeGreaterThan(10);
    expect(declared).toContainEqual({ f: "infra/config/rules/modelRevision.ts", name: "revisionRules" });
    expect(declared).toContainEqual({ f: "infra/config/rules/access.ts", name: "accessRules" });
  });

  it("no rule is declared in config/ outside rules/ (resolve.ts only runs them)", () => {
    expect(misplacedRules(files)).toEqual([]);
  });

  it("each rule is declared once and run by resolve.ts or another rule file", () => {
    const names = declared.map((d) => d.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    const unused = declared.filter(
      ({ f, name }) =>
        ![...files].some(([g, text]) => g !== f && new RegExp(`\\b${name}\\b`).test(withoutImports(g, text))),
    );
    expect(unused).toEqual([]);
  });

  it("fails on a rule declared in resolve.ts, naming file and rule", () => {
    const bad = new Map([
      ["infra/config/resolve.ts", "function fooRules(): never[] { return []; }\nfunction helper() {}"],
    ]);
    expect(misplacedRules(bad)).toEqual(["infra/config/resolve.ts: fooRules belongs in infra/config/rules/"]);
  });
});
