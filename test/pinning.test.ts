import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSpec } from "../infra/config/load";
import { COMMIT } from "../infra/config/resolve";
import { stackNames } from "../infra/render/renderAll";
import { readStackFile } from "../infra/render/stackFile";
import { REPO_ROOT, STACKS_DIR } from "./helpers";

/**
 * Nothing floats in a shipped stack: images by a fixed tag (never `latest`), charts by an exact
 * version, model revisions by commit. The one exception is stated: the ModelScope checkpoints of the
 * Ascend stacks and unsloth's community GGUF repository of the llama.cpp stack, of which no commit is
 * known to this project (they follow the hub's default branch until a verified commit is pinned with
 * model.revision).
 */
const FLOATING_BY_NECESSITY = new Set(["ZhipuAI/GLM-5", "Eco-Tech/GLM-5-w4a8", "unsloth/GLM-5.1-GGUF"]);

function imagesIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => imagesIn(v, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "image" && typeof v === "string") out.push(v);
      else imagesIn(v, out);
    }
  }
  return out;
}

describe("every shipped stack is pinned", () => {
  for (const stack of stackNames(STACKS_DIR)) {
    it(stack, () => {
      const f = readStackFile(STACKS_DIR, stack);
      const spec = loadSpec({ stack, values: f.values, secretKeys: new Set(f.secretKeys) });
      if (!FLOATING_BY_NECESSITY.has(spec.model.entry.repo)) expect(spec.model.revision).toMatch(COMMIT);
      const dir = join(REPO_ROOT, "rendered", stack);
      const images = imagesIn(readdirSync(dir).map((file) => parse(readFileSync(join(dir, file), "utf8"))));
      expect(images.length).toBeGreaterThan(0);
      for (const image of images) {
        expect(image, `${stack}: ${image}`).toMatch(/^[^@\s]+:[A-Za-z0-9_][A-Za-z0-9_.-]*(@sha256:[a-f0-9]{64})?$/);
        expect(image.split("@")[0]!.endsWith(":latest"), `${stack}: ${image}`).toBe(false);
      }
    });
  }

  it("the charts are pinned to exact versions", () => {
    const pin = parse(readFileSync(join(REPO_ROOT, "charts", "lws", "chart.yaml"), "utf8"));
    expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
