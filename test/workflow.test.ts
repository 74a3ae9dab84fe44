import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./helpers";

/** The generated GitHub Actions workflow for users' repositories (.github/workflows/glm-serving.yml). */
const workflow = parse(readFileSync(join(REPO_ROOT, ".github", "workflows", "glm-serving.yml"), "utf8"));
const pulumiStep = (job: string) =>
  workflow.jobs[job].steps.find((s: { uses?: string }) => s.uses?.startsWith("pulumi/actions@"));

describe("GitHub Actions workflow", () => {
  it("runs on pull requests, pushes to the branch, a schedule and by hand", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "push", "schedule", "workflow_dispatch"]);
    expect(workflow.on.push.branches).toEqual(["main"]);
    expect(workflow.on.schedule[0].cron).toMatch(/^(\S+\s+){4}\S+$/);
  });

  it("tests first: npm ci, npm test, render:check", () => {
    expect(workflow.jobs.test.steps.map((s: { run?: string; uses?: string }) => s.run ?? s.uses)).toEqual([
      "actions/checkout@v4",
      "actions/setup-node@v4",
      "npm ci",
      "npm test",
      "npm run render:check",
    ]);
  });

  it("previews each stack on a pull request with a PR comment", () => {
    expect(workflow.jobs.preview.if).toBe("github.event_name == 'pull_request'");
    expect(workflow.jobs.preview.needs).toBe("test");
    expect(workflow.jobs.preview.strategy.matrix.stack).toEqual(["h200-fp8"]);
    expect(pulumiStep("preview").with).toEqual({
      "stack-name": "${{ matrix.stack }}",
      "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
      command: "preview",
      "comment-on-pr": true,
      "github-token": "${{ secrets.GITHUB_TOKEN }}",
    });
  });

  it("deploys on the branch, and checks drift on the schedule (refresh, expect no changes)", () => {
    expect(workflow.jobs.deploy.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(pulumiStep("deploy").with.command).toBe("up");
    expect(pulumiStep("drift").with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
  });

  it("every step is a uses or a run step (valid workflow shape), pulumi/actions pinned to a major", () => {
    for (const [name, job] of Object.entries(workflow.jobs) as [
      string,
      { steps: Record<string, unknown>[]; "runs-on": string },
    ][]) {
      expect(job["runs-on"], name).toBe("ubuntu-latest");
      for (const step of job.steps)
        expect("uses" in step !== "run" in step, `${name}: ${JSON.stringify(step)}`).toBe(true);
    }
    expect(pulumiStep("deploy").uses).toBe("pulumi/actions@v6");
    expect(readFileSync(join(REPO_ROOT, ".github", "workflows", "glm-serving.yml"), "utf8")).not.toMatch(/[&*]a\d/);
  });
});
