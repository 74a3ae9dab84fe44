// npm run render:check: fails, listing the files, when rendered/ or gitops/ is not what render:all writes.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../infra/config/problems";
import { readGitopsSettings } from "../infra/gitops/settings";
import { CapacityError } from "../infra/planner/gate";
import { diffTree, RenderAllError, renderTree } from "../infra/render/renderAll";

async function main(): Promise<number> {
  try {
    const tree = await renderTree("stacks", readGitopsSettings("gitops/settings.yaml"));
    const differences = diffTree(".", tree);
    if (differences.length === 0) {
      console.log(`rendered/ and gitops/ are up to date (${tree.size} files)`);
      return 0;
    }
    console.error(
      `rendered/ and gitops/ are stale; run npm run render:all and commit:\n${differences.map((d) => `  ${d}`).join("\n")}`,
    );
    return 1;
  } catch (e) {
    if (
      ConfigError.isInstance(e) ||
      CapacityError.isInstance(e) ||
      pulumi.RunError.isInstance(e) ||
      e instanceof RenderAllError
    ) {
      console.error((e as Error).message);
      return 1;
    }
    throw e;
  }
}

main().then((code) => process.exit(code));
