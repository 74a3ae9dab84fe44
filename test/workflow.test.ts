import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readGitopsSettings } from "../infra/gitops/settings";
import { deployWaitSeconds, githubWorkflow } from "../infra/gitops/workflow";
import { timeBudgets } from "../infra/planner/budgets";
import { renderTree, WORKFLOW_PATH } from "../infra/render/renderAll";
import { REPO_ROOT, stackSpec } from "./helpers";

/** The generated GitHub Actions workflow for users' repositories (.github/workflows/glm-serving.yml). */
const text = readFileSync(join(REPO_ROOT, ".github", "workflows", "glm-serving.yml"), "utf8");
const workflow = parse(text);
type Step = { uses?: string; run?: string; name?: string; with?: Record<string, unknown>; env?: object };
const steps = (job: string): Step[] => workflow.jobs[job].steps;
const pulumiStep = (job: string) => steps(job).find((s) => s.uses?.startsWith("pulumi/actions@"))!;
const settings = () => readGitopsSettings(join(REPO_ROOT, "gitops", "settings.yaml"));

describe("GitHub Actions workflow", () => {
  it("runs on pull requests, pushes to the branch, a schedule and by hand", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"]);
    expect(workflow.on.push.branches).toEqual(["main"]);
    expect(workflow.on.schedule[0].cron).toMatch(/^(\S+\s+){4}\S+$/);
  });

  it("the test job runs the pull request's code with no secret, no cloud identity and a read-only token", () => {
    expect(steps("test").map((s) => s.run ?? s.uses)).toEqual([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "npm ci",
      "npm test",
      "npm run render:check",
    ]);
    expect(JSON.stringify(workflow.jobs.test)).not.toContain("secrets.");
    expect(workflow.jobs.test.permissions).toEqual({ contents: "read" });
    // Nothing at the workflow's level reaches it either.
    expect(workflow.env).toBeUndefined();
    expect(workflow.permissions).toEqual({ contents: "read" });
  });

  it("previews each stack on a pull request with a PR comment, as <organization>/<stack>", () => {
    expect(workflow.jobs.preview.if).toBe("github.event_name == 'pull_request'");
    expect(workflow.jobs.preview.needs).toBe("test");
    expect(workflow.jobs.preview.strategy.matrix.stack).toEqual(["h200-fp8"]);
    expect(pulumiStep("preview").with).toEqual({
      "stack-name": "example-org/${{ matrix.stack }}",
      "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
      command: "preview",
      upsert: true,
      "comment-on-pr": true,
      "github-token": "${{ secrets.GITHUB_TOKEN }}",
    });
  });

  it("deploys on the branch with upsert, on a self-hosted runner, with a timeout from the stacks' budgets", () => {
    const deploy = workflow.jobs.deploy;
    expect(deploy.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(pulumiStep("deploy").with).toMatchObject({ command: "up", upsert: true });
    expect(deploy["runs-on"]).toEqual(["self-hosted", "linux", "glm-serving-deploy"]);
    expect(deploy.environment).toBe("production");
    // h200-fp8 fills its nodes' NVMe from the engine's pod, so no Job: the engine 17,904 s (its download
    // included), the smoke test 17,904 s = 597 min, plus 30 min margin.
    const b = timeBudgets(stackSpec("h200-fp8"));
    expect(deployWaitSeconds(b, 0, false)).toBe(2 * b.pulumiEngineTimeoutSeconds);
    expect(deployWaitSeconds(b)).toBe(b.pulumiJobTimeoutSeconds + 2 * b.pulumiEngineTimeoutSeconds);
    expect(deploy["timeout-minutes"]).toBe(Math.ceil(deployWaitSeconds(b, 0, false) / 60) + 30);
    expect(deploy["timeout-minutes"]).toBe(627);
    expect(deploy["timeout-minutes"]).toBeGreaterThan(360); // what a GitHub-hosted runner would allow
  });

  it("cloud credentials through OIDC before the kubeconfig and Pulumi, lasting as long as the deploy may", () => {
    for (const [job, role, seconds] of [
      ["deploy", "arn:aws:iam::123456789012:role/glm-serving-deploy", 627 * 60],
      ["preview", "arn:aws:iam::123456789012:role/glm-serving-preview", 3600],
      ["drift", "arn:aws:iam::123456789012:role/glm-serving-preview", 3600],
    ] as const) {
      expect(workflow.jobs[job].permissions["id-token"], job).toBe("write");
      const names = steps(job).map((s) => s.uses ?? s.run);
      expect(names.slice(3), job).toEqual([
        "aws-actions/configure-aws-credentials@v4",
        "aws eks update-kubeconfig --name glm-serving --region us-east-1",
        "pulumi/actions@v6",
      ]);
      expect(steps(job)[3]!.with, job).toEqual({
        "role-to-assume": role,
        "aws-region": "us-east-1",
        "role-session-name": "glm-serving-${{ github.run_id }}",
        "role-duration-seconds": seconds,
      });
    }
  });

  it("without ci.aws: no OIDC step, no id-token, the kubeconfig from its secret", () => {
    const { aws: _aws, ...ci } = settings().ci;
    const w = githubWorkflow({ ...settings(), ci }, [3600]) as unknown as typeof workflow;
    expect(JSON.stringify(w)).not.toContain("configure-aws-credentials");
    expect(w.jobs.deploy.permissions).toEqual({ contents: "read" });
    expect(w.jobs.deploy.steps[3].env).toEqual({ KUBECONFIG_DATA: "${{ secrets.KUBECONFIG_DATA }}" });
  });

  it("a deploy longer than a GitHub-hosted runner allows is refused unless the runner is self-hosted", async () => {
    const root = mkdtempSync(join(tmpdir(), "glm-ci-"));
    writeFileSync(join(root, "Pulumi.one.yaml"), "config:\n  glm-serving:service:\n    auth: none\n");
    const s = settings();
    const hosted = { ...s, ci: { ...s.ci, stacks: ["one"], deploy: { ...s.ci.deploy, runsOn: ["ubuntu-latest"] } } };
    await expect(renderTree(root, hosted)).rejects.toThrow(
      "gitops/settings.yaml: a deploy of one may take 627 minutes, more than a GitHub-hosted runner's 360 minutes; set ci.deploy.runsOn to a self-hosted runner's labels",
    );
    const tree = await renderTree(root, { ...hosted, ci: { ...hosted.ci, deploy: s.ci.deploy } });
    expect(parse(tree.get(WORKFLOW_PATH)!).jobs.deploy["timeout-minutes"]).toBe(627);
  }, 60_000);

  it("checks drift on the schedule (refresh, expect no changes)", () => {
    expect(pulumiStep("drift").with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
    expect(pulumiStep("drift").with!["upsert"]).toBeUndefined(); // a missing stack is drift too
  });

  it("every step is a uses or a run step, actions pinned to a major, and action-validator accepts it", () => {
    for (const [name, job] of Object.entries(workflow.jobs) as [string, { steps: Step[] }][])
      for (const step of job.steps)
        expect("uses" in step !== "run" in step, `${name}: ${JSON.stringify(step)}`).toBe(true);
    expect(pulumiStep("deploy").uses).toBe("pulumi/actions@v6");
    expect(text).not.toMatch(/[&*]a\d/);
    const r = spawnSync(join(REPO_ROOT, "node_modules", ".bin", "action-validator"), [join(REPO_ROOT, WORKFLOW_PATH)], {
      encoding: "utf8",
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});
