import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configReference } from "../infra/config/reference";
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
