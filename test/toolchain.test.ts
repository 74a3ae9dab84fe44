import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
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

  // npm ci warns (EBADENGINE) for each locked package whose engines field the running Node misses:
  // every range must admit the oldest Node package.json allows, and Node 24. (semver is npm's own
  // range matcher, present in the tree through the toolchain.)
  it("every locked package's engines.node admits Node 22.13 and 24: npm ci prints no engine warning", () => {
    const semver = createRequire(__filename)("semver") as { satisfies: (v: string, range: string) => boolean };
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { engines?: Record<string, string> | string[] }>;
    };
    const ranges = Object.entries(lock.packages)
      .map(([name, p]) => [name, !Array.isArray(p.engines) ? p.engines?.["node"] : undefined] as const)
      .filter((e): e is readonly [string, string] => e[1] !== undefined);
    expect(ranges.length).toBeGreaterThan(100);
    const misses = ranges.flatMap(([name, range]) =>
      ["22.13.0", "24.0.0"].filter((v) => !semver.satisfies(v, range)).map((v) => `${name} (${range}) misses ${v}`),
    );
    expect(misses).toEqual([]);
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
