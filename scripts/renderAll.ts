// npm run render:all: renders every stack into rendered/<stack>/ and its GitOps objects into gitops/<stack>/.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../infra/config/problems";
import { readGitopsSettings } from "../infra/gitops/settings";
import { CapacityError } from "../infra/planner/gate";
import { RenderAllError, renderTree, writeTree } from "../infra/render/renderAll";

async function main(): Promise<number> {
  try {
    const tree = await renderTree("stacks", readGitopsSettings("gitops/settings.yaml"));
    writeTree(".", tree);
    const stacks = new Set([...tree.keys()].filter((p) => p.startsWith("rendered/")).map((p) => p.split("/")[1]));
    console.log(`Rendered ${tree.size} files of ${stacks.size} stacks into rendered/, gitops/ and .github/workflows/`);
    return 0;
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
