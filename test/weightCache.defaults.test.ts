import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INSTANCE_STORE_HOST_PATH } from "../infra/config/cacheDefaults";
import { specWarnings } from "../infra/config/warnings";
import { stackManifests } from "../infra/k8s/manifests";
import { loadSpec } from "../infra/config/load";
import { readStackFile } from "../infra/render/stackFile";
import { coldStart } from "../infra/planner/coldStart";
import { REPO_ROOT, specFrom, STACKS_DIR } from "./helpers";

/**
 * Where each stack's weight cache lives when its config does not say (infra/config/cacheDefaults.ts):
 * the fastest storage its hardware has. Every shipped stack is named with the option it gets and
 * why, and the engine's command is the same flag for flag whichever the cache is.
 */
function stack(name: string, weightCache?: Record<string, unknown>) {
  const f = readStackFile(STACKS_DIR, name);
  const values: Record<string, string> = { ...f.values };
  if (weightCache) {
    const key = "glm-serving:weightCache";
    values[key] = JSON.stringify({ ...(values[key] ? JSON.parse(values[key]) : {}), ...weightCache });
  }
  return loadSpec({ stack: name, values, secretKeys: new Set(f.secretKeys) });
}

const EXPECTED: Record<string, "node-local" | "volume" | "docker"> = {
  // Karpenter pools on p5en/p5e (8 x 3,800 GB), p6-b200 (8 x 3,800 GB), p5.4xlarge (3,800 GB).
  "h200-fp8": "node-local",
  "h200-fp8-tuned": "node-local",
  "h200-sglang": "node-local",
  "h200-glm51": "node-local",
  "h200-glm51-tuned": "node-local",
  "h200-glm51-sglang": "node-local",
  "h200-glm51-sglang-tuned": "node-local",
  "b200-sglang": "node-local",
  "b200-sglang-tuned": "node-local",
  "h100-glm51-llamacpp": "node-local",
  staging: "node-local",
  // A shared file system named by the stack: new and replaced nodes mount the verified copy at once.
  "h200-fp8-scale": "volume",
  "h100-fp8-group": "volume",
  // Static Ascend pools: their disks are unknown to this project.
  "a2-w4a8": "volume",
  "a3-w4a8": "volume",
  "a2-w4a8-pair": "volume",
  "a3-bf16-pair": "volume",
  // A Docker host keeps the seed's host directory.
  "h200-docker": "docker",
  "glm51-llamacpp-docker": "docker",
};

describe("the default cache of each shipped stack is the fastest its hardware has", () => {
  it("names every shipped stack", () => {
    const shipped = readdirSync(STACKS_DIR)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
    expect(Object.keys(EXPECTED).sort()).toEqual(shipped);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: ${expected}`, () => {
      const spec = stack(name);
      if (expected === "docker") {
        expect(spec.target).toBe("docker");
        return;
      }
      expect(spec.weightCache.mode).toBe(expected);
      const m = stackManifests(spec);
      if (expected === "node-local") {
        // On the instance store's RAID0 array; no claim, no Job: the engine's pod fills its node.
        expect(spec.weightCache.hostPath).toBe(INSTANCE_STORE_HOST_PATH);
        expect(m.cacheClaim).toBeUndefined();
        expect(m.downloadJob).toBeUndefined();
        // The cache's place is not an engine flag: the engine's command is the volume mode's.
        const engine = (s: typeof spec) => {
          const e = stackManifests(s).engine;
          const pod =
            e.kind === "Deployment" ? e.spec!.template.spec! : e.spec.leaderWorkerTemplate.leaderTemplate!.spec!;
          const c = pod.containers[0]!;
          return [c.command, c.args];
        };
        expect(engine(spec)).toEqual(engine(stack(name, { mode: "volume" })));
      } else {
        expect(m.downloadJob).toBeDefined();
      }
    });
  }

  it("a declared node class puts the instance store into RAID0 (where the cache's directory lives)", () => {
    const nodeClass = stackManifests(stack("h200-fp8")).nodeClass!;
    expect((nodeClass.spec as { instanceStorePolicy?: string }).instanceStorePolicy).toBe("RAID0");
  });
});

describe("the default's rule", () => {
  const mode = (config: Record<string, unknown>) => specFrom(config).weightCache.mode;

  it("a volume where the stack names one, the pool is static, the node class keeps no RAID0, or an instance type has no NVMe", () => {
    expect(mode({})).toBe("node-local");
    expect(mode({ weightCache: { storageClass: { name: "gp3", type: "ebs-gp3" } } })).toBe("volume");
    expect(mode({ weightCache: { size: "2000Gi" } })).toBe("volume");
    expect(mode({ weightCache: { existingClaim: "seeded" } })).toBe("volume");
    expect(mode({ nodePool: { provisioner: "static" } })).toBe("volume");
    expect(
      mode({
        nodePool: {
          karpenter: { nodeClass: { declare: { role: "r", discoveryTag: "t", instanceStoreRaid0: false } } },
        },
      }),
    ).toBe("volume");
    expect(mode({ nodePool: { karpenter: { instanceTypes: ["p5en.48xlarge", "g6e.48xlarge"] } } })).toBe("volume");
  });

  it("a stated mode always wins", () => {
    expect(mode({ weightCache: { mode: "volume" } })).toBe("volume");
    expect(specFrom({ weightCache: { mode: "node-local", hostPath: "/mnt/nvme/glm" } }).weightCache.hostPath).toBe(
      "/mnt/nvme/glm",
    );
  });
});

describe("a claim too small for two revisions", () => {
  it("is said with the numbers on every pulumi up (a revision change would stop at the free-space check)", () => {
    expect(specWarnings(specFrom({ weightCache: { size: "800Gi" } }))).toEqual([
      "weightCache.size 800Gi holds one revision of zai-org/GLM-5-FP8 (756 GB), not two side by side (1.59 TB with 10% headroom): a change of model.revision stops at the download's free-space check, the old revision kept, until the claim grows to 1479Gi (or remove weightCache.size)",
    ]);
    expect(specWarnings(specFrom({ weightCache: { mode: "volume" } }))).toEqual([]);
    expect(specWarnings(specFrom({ weightCache: { size: "1479Gi" } }))).toEqual([]);
  });
});

describe("the README's cold start per storage option", () => {
  it("is what npm run plan -- h200-fp8 computes", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const n = (x: number) => x.toLocaleString("en-US");
    for (const o of coldStart(stack("h200-fp8")).options) {
      expect(readme).toContain(`| ${n(o.mbps)} MB/s `);
      expect(readme).toContain(`| ${n(o.firstStartSeconds)} s (`);
      expect(readme).toContain(`| ${n(o.restartSeconds)} s (`);
    }
  });
});
