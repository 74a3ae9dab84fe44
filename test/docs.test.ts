import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { configReference } from "../infra/config/reference";
import { stackConfigSchema } from "../infra/config/schema";
import { REPO_ROOT } from "./helpers";

describe("docs/configuration.md", () => {
  it("is the reference generated from the schema (run `npm run docs:config` after changing it)", () => {
    expect(readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8")).toBe(configReference());
  });

  it("documents every key with its default", () => {
    const doc = configReference();
    expect(doc).toContain(
      "| `engine.tensorParallelSize` | integer (>= 1) | `8` | `--tensor-parallel-size`: GPUs each model replica is sharded over. |",
    );
    expect(doc).toContain(
      "| `namespace` | string |  | Namespace of every namespaced object; default: the stack's own, named after it (`name`), so no two stacks share one. |",
    );
  });
});

/**
 * Every field of the zod schema, walked directly (not through the generator): objects by their
 * shape, wrappers (optional, default, prefault, nullable, pipes) to what they wrap, and every member
 * of a union, each under its discriminator. Arrays and maps are one key (their entries are values).
 */
interface Field {
  readonly path: string;
  /** The union member it belongs to (`engine` with `kind: sglang`), if any. */
  readonly member?: string;
}

type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[];
};
const defOf = (t: z.ZodType) => (t as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(t: z.ZodType): z.ZodType {
  const d = defOf(t);
  if (
    d.innerType &&
    ["optional", "default", "prefault", "nullable", "readonly", "catch", "nonoptional"].includes(d.type)
  )
    return unwrap(d.innerType);
  if (d.type === "pipe" && d.in) return unwrap(d.in);
  return t;
}

function fields(t: z.ZodType, prefix: string, member: string | undefined, out: Field[]): Field[] {
  const d = defOf(unwrap(t));
  if (d.type === "object") {
    for (const [key, child] of Object.entries(d.shape!)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push({ path, ...(member ? { member } : {}) });
      fields(child, path, member, out);
    }
  } else if (d.type === "union") {
    for (const option of d.options!) {
      const kind = defOf(unwrap(defOf(unwrap(option)).shape!["kind"]!)) as unknown as { values: unknown[] };
      fields(option, prefix, `\`${prefix}\` with \`kind: ${String(kind.values[0])}\``, out);
    }
  }
  return out;
}

/** The rows of the main table, or of one section (`## <member>`), of the reference. */
function tableKeys(doc: string, member: string | undefined): Set<string> {
  const parts = doc.split(/^## /m);
  const part = member === undefined ? parts[0]! : parts.find((p) => p.startsWith(`${member}\n`));
  return new Set([...(part ?? "").matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!));
}

describe("the configuration reference is complete", () => {
  const all = fields(stackConfigSchema, "", undefined, []);

  it("walks every member of the engine union", () => {
    const members = new Set(all.map((f) => f.member).filter(Boolean));
    expect([...members]).toEqual([
      "`engine` with `kind: vllm`",
      "`engine` with `kind: sglang`",
      "`engine` with `kind: vllm-ascend`",
      "`engine` with `kind: llama-cpp`",
    ]);
    expect(all.length).toBeGreaterThan(166);
  });

  it("documents every schema field, each union member's in its own section", () => {
    const doc = readFileSync(join(REPO_ROOT, "docs", "configuration.md"), "utf8");
    const missing = all
      .filter((f) => !tableKeys(doc, f.member).has(f.path))
      .map((f) => `${f.member ?? "main"}: ${f.path}`);
    expect(missing).toEqual([]);
  });

  it("fails on a field the reference lacks (the walk is not the generator)", () => {
    const doc = configReference().replace(/^\| `engine\.memFractionStatic` \|.*\n/m, "");
    const missing = all.filter((f) => !tableKeys(doc, f.member).has(f.path)).map((f) => f.path);
    expect(missing).toEqual(["engine.memFractionStatic"]);
  });
});

describe("the README's quick start", () => {
  it("shows what `npm run render -- h200-fp8` writes today: the count and every file of rendered/h200-fp8", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const block =
      /^Rendered (\d+) objects of stack "h200-fp8" to rendered\/h200-fp8\/\n((?: {2}\S+\.yaml\n)+)Outputs:/m.exec(
        readme,
      );
    expect(block, "the sample render in the README").not.toBeNull();
    const files = readdirSync(join(REPO_ROOT, "rendered", "h200-fp8")).filter((f) => f.endsWith(".yaml"));
    expect(block![2]!.trim().split(/\s+/)).toEqual(files);
    expect(Number(block![1])).toBe(files.length);
  });
});
