import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { renderStack } from "../infra/render/renderStack";
import type { KubernetesObject } from "../infra/render/manifestFiles";
import { command as renderCommand } from "../scripts/render";
import { REPO_ROOT, runCli, STACKS_DIR } from "./helpers";
import { runCliInProcess } from "./inProcess";
import { shippedRender } from "./shippedRenders";
import { validateObject } from "./schemaValidation";

const STACKS = readdirSync(STACKS_DIR)
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined)
  .sort();

/** The Kubernetes objects among rendered files (a Docker-host stack renders Docker documents). */
function objectsOf(files: Map<string, string>): KubernetesObject[] {
  return [...files.entries()]
    .filter(([name]) => !name.includes("-docker-") && name !== "compose.yaml")
    .map(([, text]) => parseAllDocuments(text)[0]!.toJS() as KubernetesObject);
}

/** The real process (`npm run render`'s) for the first case; the command in this process for the others. */
const renderProcess = (args: string[], stackFiles: Record<string, string>) => runCli("render", args, stackFiles);
const renderCli = (args: string[], stackFiles: Record<string, string>) =>
  runCliInProcess(renderCommand, args, stackFiles);

describe("every stack in stacks/", () => {
  it("there are stacks to render", () => {
    expect(STACKS).toContain("h200-fp8");
  });

  // Rendered once per test run (test/shippedRenders.ts). The same bytes every time: gitops.test.ts
  // compares this run's render with the files an earlier run wrote (rendered/, committed).
  for (const stack of STACKS) {
    it(`${stack}: renders, every object schema-valid`, async () => {
      const { files } = await shippedRender(stack);
      expect(files.size).toBeGreaterThan(0);
      for (const obj of objectsOf(files)) validateObject(obj);
    });
  }
});

describe("render of a stack with every optional part", () => {
  it("secrets, monitoring and a static pool: all schema-valid, no secret value", async () => {
    const stackFile = [
      "config:",
      "  glm-serving:hfToken:",
      "    secure: v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBB",
      "  glm-serving:apiKey:",
      "    secure: v1:CCCCCCCCCCCCCCCC:DDDDDDDDDDDDDDDDDDDDDDDD",
      "  glm-serving:monitoring:",
      "    serviceMonitor: true",
      "  glm-serving:nodePool:",
      "    provisioner: static",
      "    accelerator: b200-180gb",
    ].join("\n");
    const dir = mkdtempSync(join(tmpdir(), "glm-stacks-"));
    writeFileSync(join(dir, "Pulumi.full.yaml"), stackFile);
    const { files } = await renderStack("full", dir);
    expect([...files.keys()]).toEqual([
      "00-namespace-full.yaml",
      "10-secret-full-credentials.yaml",
      "15-configmap-full-dashboard.yaml",
      "15-configmap-full-weights-scripts.yaml",
      "16-networkpolicy-full.yaml",
      "30-persistentvolumeclaim-full-weights.yaml",
      expect.stringMatching(/^40-job-full-weights-[0-9a-f]{8}\.yaml$/),
      "50-deployment-full-engine.yaml",
      "55-poddisruptionbudget-full-engine.yaml",
      "60-service-full.yaml",
      "70-prometheusrule-full-alerts.yaml",
      "70-servicemonitor-full.yaml",
    ]);
    for (const obj of objectsOf(files)) validateObject(obj);
    const all = [...files.values()].join("\n");
    expect(all).not.toContain("v1:AAAA");
    expect(all).not.toContain("v1:CCCC");
    expect(files.get("10-secret-full-credentials.yaml")).toContain(
      'hf-token: "<redacted: Pulumi secret, set by `pulumi up`>"',
    );
  });
});

describe("render for GitOps with External Secrets", () => {
  it("emits an ExternalSecret reference instead of a Secret, schema-valid, with no secret anywhere", async () => {
    const dir = mkdtempSync(join(tmpdir(), "glm-stacks-"));
    writeFileSync(
      join(dir, "Pulumi.ext.yaml"),
      "config:\n  glm-serving:externalSecrets:\n    enabled: true\n    storeName: vault\n    hfTokenKey: glm/hf-token\n    apiKeyKey: glm/api-key\n",
    );
    const { files } = await renderStack("ext", dir);
    expect([...files.keys()].filter((f) => f.includes("secret"))).toEqual(["10-externalsecret-ext-credentials.yaml"]);
    const objects = objectsOf(files);
    for (const obj of objects) validateObject(obj);
    const ext = objects.find((o) => o.kind === "ExternalSecret")!;
    expect(ext["spec"]).toEqual({
      refreshInterval: "1h",
      secretStoreRef: { name: "vault", kind: "ClusterSecretStore" },
      target: { name: "ext-credentials", creationPolicy: "Owner" },
      data: [
        { secretKey: "hf-token", remoteRef: { key: "glm/hf-token" } },
        { secretKey: "api-key", remoteRef: { key: "glm/api-key" } },
      ],
    });
    // The engine and the download read the Secret the operator creates.
    expect(files.get("50-deployment-ext-engine.yaml")).toContain("name: ext-credentials");
  });
});

describe("npm run render (the command line)", () => {
  it("writes one file per object to rendered/<stack>/ by default, and prints the outputs", () => {
    const r = renderProcess(["h200-fp8"], {
      "Pulumi.h200-fp8.yaml": readFileSync(join(STACKS_DIR, "Pulumi.h200-fp8.yaml"), "utf8"),
    });
    expect(r.status).toBe(0);
    expect(readdirSync(join(r.cwd, "rendered", "h200-fp8"))).toHaveLength(12);
    expect(r.stdout).toContain('Rendered 12 objects of stack "h200-fp8" to rendered/h200-fp8/');
    expect(r.stdout).toContain("endpoint: http://h200-fp8.h200-fp8.svc.cluster.local:8000/v1");
  });

  it("a malformed stack file: exit 1, the problem on stderr, nothing written", async () => {
    const r = await renderCli(["broken", "--out", "out"], {
      "Pulumi.broken.yaml": "config:\n  glm-serving:engine:\n    tensorParallelSize: [8\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^Stack "broken" has 1 problem in its configuration \(stacks\/Pulumi\.broken\.yaml\):\n  - \(stack file\) line 4, column 1, key tensorParallelSize = "tensorParallelSize: \[8"\n/,
    );
    expect(r.stderr).toContain("Nothing was written.");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(join(r.cwd, "out"))).toBe(false);
  });

  it("an invalid config: every problem, exit 1, nothing written", async () => {
    const r = await renderCli(["bad", "--out", "out"], {
      "Pulumi.bad.yaml":
        "config:\n  glm-serving:engine:\n    tensorParallelSize: 3\n  glm-serving:model:\n    id: glm-9\n  glm-serving:service:\n    auth: none\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Stack "bad" has 2 problems');
    expect(r.stderr).toContain('glm-serving:model.id = "glm-9"');
    expect(r.stderr).toContain("glm-serving:engine.tensorParallelSize = 3");
    expect(existsSync(join(r.cwd, "out"))).toBe(false);
  });

  it("an --out that is a file: a bad path, exit 2, one line, nothing written", async () => {
    const text = readFileSync(join(STACKS_DIR, "Pulumi.h200-fp8.yaml"), "utf8");
    const r = await renderCli(["h200-fp8", "--out", "stacks/Pulumi.h200-fp8.yaml"], { "Pulumi.h200-fp8.yaml": text });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("render: --out stacks/Pulumi.h200-fp8.yaml exists and is not a directory\n");
    expect(readFileSync(join(r.cwd, "stacks", "Pulumi.h200-fp8.yaml"), "utf8")).toBe(text);
  });

  it("an unknown stack names the stacks that exist", async () => {
    const r = await renderCli(["nope"], {});
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("stacks/Pulumi.nope.yaml");
  });

  it("no stack: usage, exit 2", async () => {
    const r = await renderCli([], {});
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: npm run render -- <stack> [--out DIR]");
  });
});
