import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers";

describe("the entry point `pulumi up` runs (Pulumi.yaml main: infra/index.ts)", () => {
  it("runs under ts-node with the project's tsconfig (type-checked by npm test's tsc -b with the same options), exporting the stack outputs", () => {
    const config = JSON.stringify({
      "glm-serving:service": JSON.stringify({ auth: "none" }),
      "glm-serving:engine": JSON.stringify({
        speculative: { method: "mtp", numSpeculativeTokens: 1 },
        gpuMemoryUtilization: 0.85,
      }),
    });
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "test", "pulumiEntry.harness.cjs"), "h200-fp8", config], {
      encoding: "utf8",
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const { outputs, registered } = JSON.parse(r.stdout) as { outputs: Record<string, string>; registered: string[] };
    expect(outputs["endpoint"]).toBe("http://h200-fp8.h200-fp8.svc.cluster.local:8000/v1");
    expect(registered).toContain("kubernetes:apps/v1:Deployment");
    expect(registered).toContain("glm:serving:VllmEngine");
  }, 60_000);
});
