// npm run render:check: fails, listing the files, when rendered/ or gitops/ is not what render:all writes.
import { readGitopsSettings } from "../infra/gitops/settings";
import { diffTree, renderTree } from "../infra/render/renderAll";
import { withRenderLock } from "../infra/render/transaction";
import { runScript } from "./cli";

async function main(): Promise<number> {
  const tree = await renderTree("stacks", readGitopsSettings("gitops/settings.yaml"));
  // Under the render lock: a render:all running meanwhile is not seen half-way.
  const differences = await withRenderLock(".", () => diffTree(".", tree));
  if (differences.length === 0) {
    console.log(`rendered/ and gitops/ are up to date (${tree.size} files)`);
    return 0;
  }
  console.error(
    `rendered/ and gitops/ are stale; run npm run render:all and commit:\n${differences.map((d) => `  ${d}`).join("\n")}`,
  );
  return 1;
}

runScript(main);
