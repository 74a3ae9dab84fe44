import { describe, expect, it } from "vitest";
import { loadSpec } from "../infra/config/load";
import { branchNotes } from "../infra/config/warnings";
import { stackManifests } from "../infra/k8s/manifests";
import { readStackFile } from "../infra/render/stackFile";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { command as planCommand } from "../scripts/plan";
import { command as renderCommand } from "../scripts/render";
import { configErrorOf, deploymentOf, specFrom, STACKS_DIR } from "./helpers";
import { runCliInProcess } from "./inProcess";

/**
 * A branch in model.revision is resolved to a commit when the download runs, and nothing in the
 * cluster notices that the branch moved later. weightCache.refresh is the explicit, typed way to move
 * on: a new token is a new download pod (a new Job; in node-local mode, a restart of the pods that fill
 * their node), which resolves the branch again (the download step's own behaviour on a moved branch is
 * in weightCache.scripts.test.ts). Plan, render and pulumi up say that the branch is pinned.
 */
function shipped(stack: string, weightCache: Record<string, unknown> = {}) {
  const f = readStackFile(STACKS_DIR, stack);
  const values: Record<string, string> = { ...f.values };
  const key = "glm-serving:weightCache";
  values[key] = JSON.stringify({ ...(values[key] ? JSON.parse(values[key]) : {}), ...weightCache });
  return loadSpec({ stack, values, secretKeys: new Set(f.secretKeys) });
}

describe("weightCache.refresh", () => {
  it("a new token is a new download Job (it runs again and resolves the branch anew); the same token keeps the Job", () => {
    const name = (w: Record<string, unknown>) => stackManifests(shipped("a3-w4a8", w)).downloadJob!.metadata!.name!;
    const before = name({});
    const first = name({ refresh: "2026-12-01" });
    expect(first).toMatch(/^a3-w4a8-weights-[0-9a-f]{8}$/);
    expect(first).not.toBe(before);
    expect(name({ refresh: "2026-12-01" })).toBe(first);
    expect(name({ refresh: "2026-12-02" })).not.toBe(first);
    const env = stackManifests(shipped("a3-w4a8", { refresh: "2026-12-01" })).downloadJob!.spec!.template.spec!
      .containers[0]!.env!;
    expect(env).toContainEqual({ name: "CACHE_REFRESH", value: "2026-12-01" });
  });

  it("node-local on Karpenter: the engine pod's fill step carries the token, so the pods that fill their node restart and resolve again", () => {
    const fill = (w: Record<string, unknown>) =>
      deploymentOf(stackManifests(specFrom({ weightCache: w }, "k"))).spec!.template.spec!.initContainers!.find(
        (c) => c.name === "fill-node-cache",
      )!;
    expect(fill({}).env!.map((e) => e.name)).not.toContain("CACHE_REFRESH");
    expect(fill({ refresh: "r1" }).env).toContainEqual({ name: "CACHE_REFRESH", value: "r1" });
  });

  it("is a plain token: anything else is refused with what is allowed", () => {
    expect(configErrorOf(() => specFrom({ weightCache: { refresh: "next week" } }))).toBe(
      [
        'Stack "test" has 1 problem in its configuration (stacks/Pulumi.test.yaml):',
        '  - glm-serving:weightCache.refresh = "next week"',
        "      allowed: a token of letters, digits, dots, underscores and dashes, at most 63 characters, e.g. 2026-12-01",
        '      fix:     set weightCache.refresh to "2026-12-01", for example',
      ].join("\n"),
    );
  });
});

describe("a branch is said to be pinned at download time", () => {
  const NOTE =
    "model.revision master is a branch of Eco-Tech/GLM-5-w4a8: it is pinned at download time (the download resolves it to a commit, records it in .glm-serving/Eco-Tech--GLM-5-w4a8/refs/master and the engine serves that commit); a later move of the branch is not followed until weightCache.refresh changes (unset; e.g. pulumi config set --path weightCache.refresh $(date +%F))";

  it("for the ModelScope stacks; never for a commit", () => {
    expect(branchNotes(shipped("a3-w4a8"))).toEqual([NOTE]);
    expect(branchNotes(shipped("a3-w4a8", { refresh: "2026-12-01" }))[0]).toContain(
      'until weightCache.refresh changes (now "2026-12-01";',
    );
    expect(branchNotes(shipped("h200-fp8"))).toEqual([]);
  });

  it("npm run plan and npm run render print it", async () => {
    const file = { "Pulumi.a3-w4a8.yaml": readFileSync(join(STACKS_DIR, "Pulumi.a3-w4a8.yaml"), "utf8") };
    expect((await runCliInProcess(planCommand, ["a3-w4a8"], file)).stdout).toContain(`  note       ${NOTE}\n`);
    expect((await runCliInProcess(renderCommand, ["a3-w4a8", "--out", "out"], file)).stdout).toContain(
      `Note: ${NOTE}\n`,
    );
  });
});
