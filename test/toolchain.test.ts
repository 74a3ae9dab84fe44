import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./helpers";

/** One supported Node LTS, stated everywhere it is stated, and the suite really running on it. */
const read = (...p: string[]) => readFileSync(join(REPO_ROOT, ...p), "utf8");
const pkg = JSON.parse(read("package.json"));

describe("toolchain", () => {
  it(".nvmrc names the LTS major and package.json engines asks for it", () => {
    expect(read(".nvmrc").trim()).toBe("22");
    expect(pkg.engines).toEqual({ node: ">=22.13" });
  });

  // Under .ci/run (which sets GLM_SERVING_CI) the suite must be running on the LTS it installed; a
  // developer's own `npm test` on an older node still runs, and npm warns about the engines field.
  it.runIf(process.env.GLM_SERVING_CI === "1")("under .ci/run the suite runs on Node 22 or newer", () => {
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(22);
  });

  it("every setup-node step of the generated workflow uses the .nvmrc major", () => {
    const workflow = parse(read(".github", "workflows", "glm-serving.yml"));
    const versions = Object.values(
      workflow.jobs as Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>,
    )
      .flatMap((j) => j.steps)
      .filter((s) => s.uses?.startsWith("actions/setup-node@"))
      .map((s) => s.with?.["node-version"]);
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set([22]));
  });

  it(".ci/run reads .nvmrc and installs a pinned Node 22 from the npm registry when the machine's is older", () => {
    const run = read(".ci", "run");
    expect(run).toContain('NODE_LTS_MAJOR="$(cat .nvmrc)"');
    expect(run).toMatch(/NODE_PINNED="22\.\d+\.\d+"/);
    expect(run).toContain('"node-linux-$arch@$NODE_PINNED"');
  });

  it("dependencies held below their current major say why in the README", () => {
    expect(pkg.devDependencies.typescript).toBe("~5.9");
    expect(pkg.dependencies["kubernetes-models"]).toMatch(/^\^4\./);
    const readme = read("README.md");
    expect(readme).toContain("TypeScript (~5.9: @pulumi/pulumi accepts `typescript < 7`");
    expect(readme).toContain("kubernetes-models (4: 5 is ECMAScript-module only");
    expect(pkg.dependencies["@pulumi/docker"]).toMatch(/^\^5\./);
  });
});
