import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { operatorCanRun, operatorStack } from "../infra/gitops/objects";
import { readGitopsSettings } from "../infra/gitops/settings";
import { diffTree, renderTree, stackNames } from "../infra/render/renderAll";
import { runProgram } from "../infra/render/runProgram";
import { readStackFile } from "../infra/render/stackFile";
import { HAVE_SHARED, REPO_ROOT, SHARED_DIR, SKIP_SHARED_REASON, specFrom, stackSpec, STACKS_DIR } from "./helpers";
import { crdValidator } from "./schemaValidation";

const settings = () => readGitopsSettings(join(REPO_ROOT, "gitops", "settings.yaml"));

/** A scratch copy of the repository's inputs and generated files. */
function scratch() {
  const root = mkdtempSync(join(tmpdir(), "glm-gitops-"));
  for (const dir of ["stacks", "rendered", "gitops", ".github"])
    cpSync(join(REPO_ROOT, dir), join(root, dir), { recursive: true });
  return root;
}

function renderCheck(cwd: string) {
  const r = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "tsx"), [join(REPO_ROOT, "scripts", "renderCheck.ts")], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("rendered/ and gitops/ in git", () => {
  it("are exactly what npm run render:all writes (run it and commit after changing a stack)", async () => {
    expect(diffTree(REPO_ROOT, await renderTree(STACKS_DIR, settings()))).toEqual([]);
  });

  it("render:check fails on a stale, a missing and a leftover file, listing each", async () => {
    const root = scratch();
    writeFileSync(join(root, "rendered", "h200-fp8", "60-service-h200-fp8.yaml"), "# edited by hand\n");
    rmSync(join(root, "gitops", "a2-w4a8", "argocd-application.yaml"));
    writeFileSync(join(root, "rendered", "h200-fp8", "70-servicemonitor-old.yaml"), "kind: ServiceMonitor\n");
    const r = renderCheck(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      [
        "rendered/ and gitops/ are stale; run npm run render:all and commit:",
        "  missing: gitops/a2-w4a8/argocd-application.yaml",
        "  differs: rendered/h200-fp8/60-service-h200-fp8.yaml",
        "  stale:   rendered/h200-fp8/70-servicemonitor-old.yaml (no stack renders it any more)",
        "",
      ].join("\n"),
    );
  }, 60_000);

  it("render:check passes on an up-to-date tree", () => {
    const r = renderCheck(scratch());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^rendered\/ and gitops\/ are up to date \(\d+ files\)\n$/);
  }, 60_000);
});

describe("GitOps objects", () => {
  const stacks = stackNames(STACKS_DIR);
  const read = (stack: string, file: string) => parse(readFileSync(join(REPO_ROOT, "gitops", stack, file), "utf8"));

  it("an Argo CD Application per stack, syncing its rendered manifests, schema-valid", () => {
    for (const stack of stacks.filter((s) => s !== "h200-docker")) {
      const app = read(stack, "argocd-application.yaml");
      new Application(app).validate();
      expect(app.spec.source).toEqual({
        repoURL: "https://github.com/example/glm-serving.git",
        targetRevision: "main",
        path: `rendered/${stack}`,
      });
      expect(app.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
    }
  });

  it("a Pulumi Operator Stack per stack: this repository, branch and stack; refresh and drift settings; never destroys", () => {
    const s = read("h200-fp8", "pulumi-stack.yaml");
    expect(s).toMatchObject({
      apiVersion: "pulumi.com/v1",
      kind: "Stack",
      metadata: { name: "glm-serving-h200-fp8", namespace: "pulumi-operator" },
      spec: {
        stack: "h200-fp8",
        projectRepo: "https://github.com/example/glm-serving.git",
        branch: "main",
        refresh: true,
        continueResyncOnCommitMatch: true,
        resyncFrequencySeconds: 600,
        destroyOnFinalize: false,
      },
    });
  });

  it("logs in to Pulumi Cloud with an access token; a self-managed backend gets the passphrase instead", () => {
    const s = settings();
    const spec = specFrom({}, "h200-fp8");
    expect(operatorStack(spec, s).spec["envRefs"]).toEqual({
      PULUMI_ACCESS_TOKEN: { type: "Secret", secret: { name: "pulumi-api-secret", key: "accessToken" } },
    });
    expect(operatorStack(spec, s).spec["backend"]).toBeUndefined();
    const selfManaged = { ...s, pulumi: { ...s.pulumi, backend: "s3://acme-pulumi/glm-serving" } };
    expect(operatorStack(spec, selfManaged).spec).toMatchObject({
      backend: "s3://acme-pulumi/glm-serving",
      envRefs: {
        PULUMI_CONFIG_PASSPHRASE: { type: "Secret", secret: { name: "pulumi-passphrase", key: "passphrase" } },
      },
    });
  });

  it("the LeaderWorkerSet controller the pair stacks install: one Argo CD Application of the same pinned chart", () => {
    const app = parse(readFileSync(join(REPO_ROOT, "gitops", "addons", "lws", "argocd-application.yaml"), "utf8"));
    new Application(app).validate();
    expect(app.metadata).toEqual({ name: "glm-serving-addon-lws", namespace: "argocd" });
    expect(app.spec.source).toEqual({
      repoURL: "oci://registry.k8s.io/lws/charts/lws",
      targetRevision: "0.7.0",
      path: ".",
      helm: { releaseName: "lws", valuesObject: { replicaCount: 1 } },
    });
    expect(app.spec.destination).toEqual({ server: "https://kubernetes.default.svc", namespace: "lws-system" });
    expect(app.spec.syncPolicy.syncOptions).toContain("CreateNamespace=true");
  });

  it("the add-on's namespace goes with the add-on: pulumi up creates it, a pair's rendered objects leave it out", async () => {
    const f = readStackFile(STACKS_DIR, "a3-bf16-pair");
    const { resources } = await runProgram("a3-bf16-pair", f.values, f.secretKeys);
    const namespaces = resources.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => r.name);
    expect(namespaces).toContain("lws-system");
    expect(
      readdirSync(join(REPO_ROOT, "rendered", "a3-bf16-pair")).filter((n) => n.startsWith("00-namespace")),
    ).toEqual(["00-namespace-a3-bf16-pair.yaml"]);
  });

  it("no stack installing the controller, no add-on Application", async () => {
    const root = mkdtempSync(join(tmpdir(), "glm-no-addon-"));
    writeFileSync(join(root, "Pulumi.one.yaml"), "config: {}\n");
    const tree = await renderTree(root, { ...settings(), ci: { ...settings().ci, stacks: ["one"] } });
    expect([...tree.keys()].filter((p) => p.startsWith("gitops/addons/"))).toEqual([]);
  }, 60_000);

  it("a Docker-target stack gets an operator Stack only with a remote docker.host (the workspace pod has no daemon)", () => {
    expect(existsSync(join(REPO_ROOT, "gitops", "h200-docker", "pulumi-stack.yaml"))).toBe(false);
    expect(operatorCanRun(specFrom({ target: "docker" }))).toBe(false);
    expect(operatorCanRun(specFrom({ target: "docker", docker: { host: "ssh://ops@gpu-01" } }))).toBe(true);
    expect(operatorCanRun(specFrom({}))).toBe(true);
  });

  it.skipIf(!HAVE_SHARED)(
    `every Stack is valid against the operator's CRD (${HAVE_SHARED ? SHARED_DIR : SKIP_SHARED_REASON})`,
    () => {
      const validate = crdValidator("pulumi.com_stacks.yaml", "v1")!;
      for (const stack of stacks.filter((s) => s !== "h200-docker")) {
        const obj: unknown = read(stack, "pulumi-stack.yaml");
        expect(validate(obj), JSON.stringify(validate.errors)).toBe(true);
      }
    },
  );

  it("a stack with Pulumi-secret credentials is refused for GitOps (a redacted Secret would replace the real one)", async () => {
    const root = mkdtempSync(join(tmpdir(), "glm-secret-stacks-"));
    writeFileSync(join(root, "Pulumi.sec.yaml"), "config:\n  glm-serving:hfToken:\n    secure: v1:AAAA:BBBB\n");
    await expect(renderTree(root, settings())).rejects.toThrow(
      'stack "sec" keeps credentials as Pulumi secrets, which a render can only redact; applied by a GitOps tool the redacted Secret would replace the real one. Use externalSecrets for stacks deployed through GitOps.',
    );
  });
});

describe("staging rehearses h200-fp8", () => {
  /** A stack's rendered objects as kind and role: file names with the stack, pool and hashes taken out. */
  const objects = (stack: string) =>
    readdirSync(join(REPO_ROOT, "rendered", stack))
      .map((f) =>
        f
          .replaceAll(stack, "<stack>")
          .replace(/^(19-ec2nodeclass-<stack>|20-nodepool-<stack>)-.*\.yaml$/, "$1.yaml")
          .replace(/-[0-9a-f]{8}\.yaml$/, ".yaml"),
      )
      .sort();

  it("the same objects (pool, cache, download, engine, smoke test, Service), on a different pool", () => {
    expect(objects("staging")).toEqual(objects("h200-fp8"));
    expect(objects("staging")).toEqual([
      "00-namespace-<stack>.yaml",
      "15-configmap-<stack>-weights-scripts.yaml",
      "19-ec2nodeclass-<stack>.yaml",
      "20-nodepool-<stack>.yaml",
      "30-persistentvolumeclaim-<stack>-weights.yaml",
      "40-job-<stack>-engine-smoke.yaml",
      "40-job-<stack>-weights.yaml",
      "50-deployment-<stack>-engine.yaml",
      "55-poddisruptionbudget-<stack>-engine.yaml",
      "60-service-<stack>.yaml",
    ]);
  });

  it("the same engine settings, but for the model, its size and the GPU count", () => {
    const [prod, staging] = [stackSpec("h200-fp8"), stackSpec("staging")];
    const settings = (s: typeof prod) => {
      const {
        tensorParallelSize: _t,
        maxModelLen: _m,
        ...rest
      } = s.engine as typeof s.engine & {
        maxModelLen?: number;
      };
      return rest;
    };
    expect(settings(staging)).toEqual(settings(prod));
    expect([staging.benchmark.enabled, staging.smokeTest.enabled]).toEqual([
      prod.benchmark.enabled,
      prod.smokeTest.enabled,
    ]);
  });
});
